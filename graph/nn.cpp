#include "graph/nn.h"

namespace segrt {

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Train:
      return "train";
    case Mode::Infer:
      return "infer";
    default:
      return "mc-dropout";
  }
}

Mode parse_mode(const std::string& s) {
  if (s == "train") return Mode::Train;
  if (s == "infer") return Mode::Infer;
  if (s == "mc-dropout") return Mode::MCDropout;
  throw Error("unknown mode '" + s + "' (train, infer, mc-dropout)");
}

namespace {

std::vector<int64_t> hw(int64_t v) {
  return {v, v};
}

// Keras' glorot_uniform, with fans computed from the Keras kernel layout as Keras does.
Init glorot(int64_t fan_in, int64_t fan_out) {
  return Init{.kind = "glorot_uniform", .fan_in = fan_in, .fan_out = fan_out};
}

}  // namespace

std::string Net::path(const std::string& leaf) const {
  std::string p;
  for (auto& s : scopes_) p += (p.empty() ? "" : ".") + s;
  if (!leaf.empty()) p += (p.empty() ? "" : ".") + leaf;
  return p;
}

int Net::param(const std::string& leaf, Shape shape, Init init, bool l2) {
  return g_.add_param(path(leaf), std::move(shape), init, true, l2);
}

int Net::state(const std::string& leaf, Shape shape, Init init) {
  return g_.add_param(path(leaf), std::move(shape), init, false, false);
}

std::vector<int> Net::ops(const std::string& op, const std::vector<int>& in, Attrs attrs,
                          const std::string& leaf) {
  std::string name;
  if (!leaf.empty()) {
    name = path(leaf);
  } else {
    std::string prefix = path(op);
    name = prefix + "_" + std::to_string(auto_names_[prefix]++);
  }
  return g_.add(op, in, std::move(attrs), name);
}

int Net::conv(int x, int64_t out, int64_t k, const std::string& name, ConvOpts o) {
  int64_t in = channels(x);
  if (o.groups < 1 || in % o.groups || out % o.groups)
    throw Error("conv '" + path(name) + "': " + std::to_string(in) + " -> " + std::to_string(out) +
                " channels do not split into " + std::to_string(o.groups) + " groups");
  int64_t pad = o.pad >= 0 ? o.pad : o.dilation * (k - 1) / 2;
  std::string node = path(name);
  auto s = scope(name);
  std::vector<int> ins = {x, param("weight", {out, in / o.groups, k, k},
                                   glorot(k * k * in / o.groups, k * k * out), true)};
  if (o.bias) ins.push_back(param("bias", {out}, Init{}));
  Attrs a{{"stride", hw(o.stride)},
          {"pad", hw(pad)},
          {"dilation", hw(o.dilation)},
          {"groups", o.groups}};
  return g_.add("conv2d", ins, std::move(a), node).at(0);
}

int Net::sep_conv(int x, int64_t out, int64_t k, const std::string& name, ConvOpts o) {
  int64_t in = channels(x);
  int64_t pad = o.pad >= 0 ? o.pad : o.dilation * (k - 1) / 2;
  auto s = scope(name);
  // Keras' depthwise kernel is (k, k, in, 1): fan_in = k*k*in, fan_out = k*k.
  int dw = param("depthwise.weight", {in, 1, k, k}, glorot(k * k * in, k * k), true);
  int y = ops("conv2d", {x, dw},
              {{"stride", hw(o.stride)},
               {"pad", hw(pad)},
               {"dilation", hw(o.dilation)},
               {"groups", in}},
              "depthwise")
              .at(0);
  std::vector<int> ins = {y, param("pointwise.weight", {out, in, 1, 1}, glorot(in, out), true)};
  if (o.bias) ins.push_back(param("pointwise.bias", {out}, Init{}));
  return ops("conv2d", ins,
             {{"stride", hw(1)}, {"pad", hw(0)}, {"dilation", hw(1)}, {"groups", int64_t(1)}},
             "pointwise")
      .at(0);
}

int Net::conv_t(int x, int64_t out, int64_t k, const std::string& name, ConvTOpts o) {
  int64_t in = channels(x);
  int64_t pad = o.pad, opad = o.output_padding;
  if (pad < 0 || opad < 0) {
    // 'same': (in-1)s - 2p + d(k-1) + op + 1 = in*s  <=>  2p - op = d(k-1) + 1 - s.
    int64_t need = o.dilation * (k - 1) + 1 - o.stride;
    if (need < 0)
      throw Error("conv_t '" + path(name) + "': kernel " + std::to_string(k) +
                  " is smaller than stride " + std::to_string(o.stride) +
                  "; give pad and output_padding");
    if (pad < 0) pad = (need + 1) / 2;
    if (opad < 0) opad = 2 * pad - need;
  }
  std::string node = path(name);
  auto s = scope(name);
  // Keras' transposed kernel is (k, k, out, in): fan_in = k*k*out, fan_out = k*k*in.
  std::vector<int> ins = {x,
                          param("weight", {in, out, k, k}, glorot(k * k * out, k * k * in), true)};
  if (o.bias) ins.push_back(param("bias", {out}, Init{}));
  Attrs a{{"stride", hw(o.stride)},
          {"pad", hw(pad)},
          {"output_padding", hw(opad)},
          {"dilation", hw(o.dilation)},
          {"groups", int64_t(1)}};
  return g_.add("conv_transpose2d", ins, std::move(a), node).at(0);
}

int Net::bn(int x, const std::string& name) {
  int64_t c = channels(x);
  std::string node = path(name);
  auto s = scope(name);
  int gamma = param("weight", {c}, Init{.kind = "ones"});
  int beta = param("bias", {c}, Init{});
  int mean = state("running_mean", {c}, Init{});
  int var = state("running_var", {c}, Init{.kind = "ones"});
  if (mode_ == Mode::Train)
    return g_
        .add("batch_norm_train", {x, gamma, beta, mean, var},
             {{"eps", norm.bn_eps}, {"momentum", 1.0 - norm.bn_momentum}}, node)
        .at(0);
  return g_.add("batch_norm_infer", {x, gamma, beta, mean, var}, {{"eps", norm.bn_eps}}, node)
      .at(0);
}

int Net::ln_channels(int x, const std::string& name) {
  int64_t c = channels(x);
  std::string node = path(name);
  auto s = scope(name);
  int gamma = param("weight", {c}, Init{.kind = "ones"});
  int beta = param("bias", {c}, Init{});
  return g_.add("layer_norm_channels", {x, gamma, beta}, {{"eps", norm.ln_eps}}, node).at(0);
}

int Net::dropout(int x, double p, bool spatial) {
  if (p < 0 || p >= 1) throw Error("dropout: p must be in [0, 1), got " + std::to_string(p));
  if (mode_ == Mode::Infer || p == 0) return x;
  if (key_ < 0) key_ = g_.add_input("rng_key", {1});
  return op("dropout", {x, key_},
            {{"p", p}, {"seed", ++dropout_seed_}, {"spatial", int64_t(spatial ? 1 : 0)}});
}

int Net::max_pool(int x, int64_t k, int64_t stride, int64_t pad) {
  return op("max_pool2d", {x},
            {{"kernel", hw(k)}, {"stride", hw(stride ? stride : k)}, {"pad", hw(pad)}});
}

int Net::avg_pool(int x, int64_t k, int64_t stride, int64_t pad, bool count_include_pad) {
  return op("avg_pool2d", {x},
            {{"kernel", hw(k)},
             {"stride", hw(stride ? stride : k)},
             {"pad", hw(pad)},
             {"count_include_pad", int64_t(count_include_pad ? 1 : 0)}});
}

int Net::upsample(int x, int64_t scale, const std::string& mode, bool align_corners) {
  if (mode != "nearest" && mode != "bilinear")
    throw Error("upsample: mode must be nearest or bilinear, got '" + mode + "'");
  return op("upsample", {x},
            {{"scale", scale}, {"mode", mode}, {"align_corners", int64_t(align_corners ? 1 : 0)}});
}

}  // namespace segrt
