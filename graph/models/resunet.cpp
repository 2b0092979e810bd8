// ResU-Net (Jonsson), per networks.md: the authors' Keras code, which the paper's parameter
// count (6,854,609 trainable + 9,824 non-trainable at 4 in, 1 out) matches exactly.
#include "graph/models/zoo.h"

namespace segrt {
namespace {

const ConvOpts kNoBias{.bias = false};

// conv3 (no bias) -> BN -> ReLU -> conv3 (no bias) -> BN, plus the shortcut, summed, ReLU.
// The shortcut is conv1 (no bias) -> BN when `project` (ResidualConvBlock), else identity
// (ResidualLinearBlock).
int residual_unit(Net& n, int x, int64_t f, bool project, const std::string& name) {
  auto s = n.scope(name);
  int y = n.relu(n.bn(n.conv(x, f, 3, "conv1", kNoBias), "bn1"));
  y = n.bn(n.conv(y, f, 3, "conv2", kNoBias), "bn2");
  int sc = project ? n.bn(n.conv(x, f, 1, "shortcut", kNoBias), "shortcut_bn") : x;
  return n.relu(n.add(y, sc));
}

// ResidualBlock(f, d): one projecting unit, then d-1 identity units, spatial dropout after each.
int residual_block(Net& n, int x, int64_t f, int64_t d, double p, const std::string& name) {
  auto s = n.scope(name);
  for (int64_t i = 1; i <= d; ++i) {
    x = residual_unit(n, x, f, i == 1, std::string("unit") + std::to_string(i));
    x = n.dropout(x, p, /*spatial=*/true);
  }
  return x;
}

int build(Net& n, int x, const ModelOptions& o) {
  // Keras' eps; the momentum is an option (Keras' 0.99 = 0.01 here leaves the running
  // statistics far from the data after a few hundred steps).
  n.norm = {.bn_eps = 1e-3, .bn_momentum = o.f("bn_momentum"), .ln_eps = 1e-3};
  const int64_t base = o.i("base");
  const double p = o.f("dropout");
  if (base < 1) throw Error("resunet: base must be at least 1");
  const int64_t depths[] = {1, 2, 3, 4, 4};
  // Encoder: 5 stages; the skips are taken after pooling.
  std::vector<int> skips;
  for (int l = 0; l < 5; ++l) {
    std::string name = std::string("enc") + std::to_string(l + 1);
    x = residual_block(n, x, base << l, depths[l], p, name);
    auto s = n.scope(name);
    x = n.max_pool(x, 2);
    skips.push_back(x);
  }
  // Decoder from the bottleneck (skips[4]) up through skips[3..0].
  for (int l = 3; l >= 0; --l) {
    std::string name = std::string("dec") + std::to_string(l + 1);
    auto s = n.scope(name);
    int up = n.relu(n.conv_t(x, base << l, 3, "up"));
    x = n.ln_channels(n.concat({up, skips[size_t(l)]}), "ln");
    x = n.dropout(x, p, /*spatial=*/true);
    x = residual_block(n, x, base << l, 1, p, "res");
  }
  {
    auto s = n.scope("final");
    x = n.upsample(x, 2, "bilinear");
    x = n.relu(n.conv(x, base, 1, "conv"));
    x = n.ln_channels(x, "ln");
    x = residual_block(n, x, base, 2, p, "res");
  }
  return n.conv(x, o.i("out"), 1, "head");
}

SEGRT_REGISTER_MODEL((ModelDef{
    .name = "resunet",
    .summary = "ResU-Net (Jonsson): residual encoder 16..256 (depths 1,2,3,4,4), LayerNorm "
               "decoder, spatial dropout (Keras authors')",
    .options = {{"base", "16", "width of the first stage (doubles per stage)"},
                {"dropout", "0.1", "spatial dropout rate"},
                {"bn_momentum", "0.1",
                 "BN running-statistics momentum, PyTorch's convention (the authors' Keras "
                 "default 0.99 is 0.01 here: too slow for short runs)"}},
    .in = 4,
    .out = 1,
    .size = 64,
    .size_multiple = 32,
    .build = build,
}));

}  // namespace
}  // namespace segrt
