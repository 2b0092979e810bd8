// ORU-Net (Optimized Residual U-Net), per networks.md: the authors' Keras code, with the
// residual connections the paper describes as an option.
#include "graph/models/zoo.h"

namespace segrt {
namespace {

// Two blocks of sep3 -> BN -> LeakyReLU -> Dropout; with `residual`, a 1x1-projected
// shortcut from the level's input is added to the second block's output.
int level(Net& n, int x, int64_t f, const std::string& name, const ModelOptions& o) {
  auto s = n.scope(name);
  int y = x;
  for (int i = 1; i <= 2; ++i) {
    std::string k = std::to_string(i);
    y = n.sep_conv(y, f, 3, "sep" + k);
    y = n.bn(y, "bn" + k);
    y = n.leaky(y, o.f("leaky"));
    y = n.dropout(y, o.f("dropout"));
  }
  if (o.b("residual")) y = n.add(y, n.conv(x, f, 1, "proj"));
  return y;
}

int build(Net& n, int x, const ModelOptions& o) {
  // Keras' eps; the momentum is an option (Keras' 0.99 = 0.01 here leaves the running
  // statistics far from the data after a few hundred steps).
  n.norm = {.bn_eps = 1e-3, .bn_momentum = o.f("bn_momentum"), .ln_eps = 1e-3};
  n.graph().meta["l2"] = "0.0001";  // the authors' kernel regulariser
  const int64_t base = o.i("base"), depth = o.i("depth");
  if (base < 1 || depth < 1) throw Error("oru-net: base and depth must be at least 1");
  std::vector<int> skips;
  for (int64_t l = 0; l < depth; ++l) {
    std::string name = std::string("enc") + std::to_string(l + 1);
    x = level(n, x, base << l, name, o);
    skips.push_back(x);
    auto s = n.scope(name);
    x = n.max_pool(x, 2);
  }
  x = level(n, x, base << depth, "bottleneck", o);
  for (int64_t l = depth - 1; l >= 0; --l) {
    std::string name = std::string("dec") + std::to_string(l + 1);
    int up;
    {
      auto s = n.scope(name);
      up = n.conv_t(x, base << l, 3, "up");  // 'same', stride 2, with bias
    }
    x = level(n, n.concat({skips[size_t(l)], up}), base << l, name, o);
  }
  return n.conv(x, o.i("out"), 1, "head");
}

SEGRT_REGISTER_MODEL((ModelDef{
    .name = "oru-net",
    .summary = "ORU-Net: separable-conv U-Net 16..256, BN, LeakyReLU, dropout (Keras authors')",
    .options = {{"residual", "0", "1x1-projected residual add around each two-block level"},
                {"base", "16", "width of the first level (doubles per level)"},
                {"depth", "4", "number of poolings"},
                {"dropout", "0.3", "dropout after every block"},
                {"leaky", "0.2", "LeakyReLU slope"},
                {"bn_momentum", "0.1",
                 "BN running-statistics momentum, PyTorch's convention (the authors' Keras "
                 "default 0.99 is 0.01 here: too slow for short runs)"}},
    .in = 3,
    .out = 2,
    .size = 128,
    .build = build,
    .multiple =
        [](const ModelOptions& o) {
          int64_t d = o.i("depth");
          if (d < 1 || d > 10)
            throw Error("oru-net: depth must be in 1..10, got " + std::to_string(d));
          return int64_t(1) << d;
        },
}));

}  // namespace
}  // namespace segrt
