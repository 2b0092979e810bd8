// U-Net: the classic configurable one (base width, depth, BN, up-sampling) and, as a preset,
// the ORU-Net authors' teacher (networks.md).
#include "graph/models/zoo.h"

namespace segrt {
namespace {

// conv3 -> [BN] -> ReLU, twice. With BN the convs have no bias (BN's beta replaces it).
int conv_block(Net& n, int x, int64_t f, bool bn) {
  for (int i = 1; i <= 2; ++i) {
    std::string k = std::to_string(i);
    x = n.conv(x, f, 3, "conv" + k, {.bias = !bn});
    if (bn) x = n.bn(x, "bn" + k);
    x = n.relu(x);
  }
  return x;
}

int build(Net& n, int x, const ModelOptions& o) {
  const int64_t base = o.i("base"), depth = o.i("depth"), drop_levels = o.i("drop_levels");
  const bool bn = o.b("bn");
  const double p = o.f("dropout");
  const std::string up = o.s("up");
  if (base < 1 || depth < 1) throw Error("unet: base and depth must be at least 1");
  if (up != "t2" && up != "t3") throw Error("unet: up must be t2 or t3, got '" + up + "'");
  // Levels 0..depth (the last is the bottleneck); dropout after the deepest drop_levels,
  // before pooling, so the skip carries it too (as in the Keras U-Nets).
  std::vector<int> skips;
  for (int64_t l = 0; l <= depth; ++l) {
    auto s = n.scope(l == depth ? "bottleneck" : std::string("enc") + std::to_string(l + 1));
    x = conv_block(n, x, base << l, bn);
    if (l > depth - drop_levels) x = n.dropout(x, p);
    if (l < depth) {
      skips.push_back(x);
      x = n.max_pool(x, 2);
    }
  }
  for (int64_t l = depth - 1; l >= 0; --l) {
    auto s = n.scope(std::string("dec") + std::to_string(l + 1));
    int u = n.conv_t(x, base << l, up == "t2" ? 2 : 3, "up");  // stride 2, output 2x
    x = conv_block(n, n.concat({skips[size_t(l)], u}), base << l, bn);
  }
  if (o.b("final_conv")) {
    auto s = n.scope("final");
    x = n.relu(n.conv(x, base, 3, "conv"));
  }
  return n.conv(x, o.i("out"), 1, "head");
}

SEGRT_REGISTER_MODEL((ModelDef{
    .name = "unet",
    .summary = "U-Net (Ronneberger): conv3+ReLU pairs, max-pool, transposed-conv up, concat skips",
    .options = {{"base", "64", "width of the first level (doubles per level)"},
                {"depth", "4", "number of poolings"},
                {"bn", "0", "batch norm after each conv (convs then have no bias)"},
                {"up", "t2", "up-sampling: t2 = convT 2x2 s2, t3 = convT 3x3 s2 'same'"},
                {"dropout", "0", "dropout rate after the deepest drop_levels levels"},
                {"drop_levels", "2", "how many of the deepest levels get dropout"},
                {"final_conv", "0", "an extra conv3(base)+ReLU before the 1x1 head"}},
    .in = 1,
    .out = 1,
    .size = 128,
    .presets = {{"oru-teacher",
                 {{"base", "32"},
                  {"depth", "4"},
                  {"bn", "0"},
                  {"up", "t3"},
                  {"dropout", "0.3"},
                  {"drop_levels", "2"},
                  {"final_conv", "1"},
                  {"in", "3"},
                  {"out", "2"}}}},
    .build = build,
    .multiple =
        [](const ModelOptions& o) {
          int64_t d = o.i("depth");
          if (d < 1 || d > 10)
            throw Error("unet: depth must be in 1..10, got " + std::to_string(d));
          return int64_t(1) << d;
        },
}));

}  // namespace
}  // namespace segrt
