// The network builder: a Graph plus a name scope stack, a mode, and layer functions, so that a
// network's code reads like its paper and its parameters get PyTorch-style names:
//
//   Net n(Mode::Train);
//   int x = n.input("image", {batch, 3, 128, 128});
//   {
//     auto s = n.scope("enc1");
//     x = n.relu(n.conv(x, 32, 3, "conv1"));   // params enc1.conv1.weight, enc1.conv1.bias
//     x = n.bn(x, "bn1");                      // enc1.bn1.{weight,bias,running_mean,running_var}
//   }
//
// Every layer takes its input value id and returns its output value id. Layer names are leaves
// within the current scope; nodes are named by their full path ("enc1.conv1"), which is what
// `segrt info` shows per layer.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt {

// Train: batch_norm_train and dropout active. Infer: batch_norm_infer, dropout left out.
// MCDropout: batch_norm_infer with dropout kept (Monte-Carlo dropout uncertainty).
enum class Mode { Train, Infer, MCDropout };
const char* mode_name(Mode m);
Mode parse_mode(const std::string& s);  // "train" | "infer" | "mc-dropout"

// Conv options. pad = -1 means 'same' for stride 1: dilation * (k - 1) / 2.
struct ConvOpts {
  int64_t stride = 1;
  int64_t pad = -1;
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

// Transposed-conv options. pad = output_padding = -1 means Keras 'same': the output is exactly
// stride times the input (k = 3, s = 2 gives pad 1, output_padding 1; k = s gives 0, 0).
struct ConvTOpts {
  int64_t stride = 2;
  int64_t pad = -1;
  int64_t output_padding = -1;
  int64_t dilation = 1;
  bool bias = true;
};

// Normalisation hyper-parameters. momentum follows PyTorch: running = (1 - m) * running +
// m * batch (Keras' momentum 0.99 is m = 0.01).
struct NormOpts {
  double bn_eps = 1e-5;
  double bn_momentum = 0.1;
  double ln_eps = 1e-5;
};

class Net {
 public:
  explicit Net(Mode mode = Mode::Train) : mode_(mode) {}

  Graph& graph() { return g_; }
  const Graph& graph() const { return g_; }
  Mode mode() const { return mode_; }
  // Defaults used by bn() and ln_channels(); models set them (Keras models: 1e-3, 0.01, 1e-3).
  NormOpts norm;

  // ---- names ----
  // RAII guard: pushes a scope on construction, pops it on destruction.
  class Scope {
   public:
    Scope(Net& n, const std::string& name) : n_(&n) { n.scopes_.push_back(name); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() { n_->scopes_.pop_back(); }

   private:
    Net* n_;
  };
  [[nodiscard]] Scope scope(const std::string& name) { return Scope(*this, name); }
  // "a.b" + "." + leaf for the current scopes; the scope path alone when leaf is empty.
  std::string path(const std::string& leaf) const;

  // ---- raw graph access, scoped ----
  int input(const std::string& name, Shape shape) { return g_.add_input(name, std::move(shape)); }
  // A trainable parameter named path(leaf).
  int param(const std::string& leaf, Shape shape, Init init, bool l2 = false);
  // A non-trainable persistent tensor (BN running statistics) named path(leaf).
  int state(const std::string& leaf, Shape shape, Init init);
  // A node named path(leaf), or an automatic unique name in the current scope when leaf is
  // empty. Returns all outputs / the first output.
  std::vector<int> ops(const std::string& op, const std::vector<int>& in, Attrs attrs = {},
                       const std::string& leaf = "");
  int op(const std::string& op, const std::vector<int>& in, Attrs attrs = {},
         const std::string& leaf = "") {
    return ops(op, in, std::move(attrs), leaf).at(0);
  }
  const Shape& shape(int v) const { return g_.value(v).shape; }
  int64_t channels(int v) const { return shape(v).at(1); }

  // ---- layers ----
  // 2-D convolution, weight [out, in/groups, k, k] (glorot_uniform, L2-eligible), bias zeros.
  int conv(int x, int64_t out, int64_t k, const std::string& name, ConvOpts o = {});
  // Keras SeparableConv2D: depthwise k x k (multiplier 1, no bias) then pointwise 1x1 (bias per
  // o.bias). Params name.depthwise.weight, name.pointwise.weight, name.pointwise.bias.
  int sep_conv(int x, int64_t out, int64_t k, const std::string& name, ConvOpts o = {});
  // Transposed convolution, weight [in, out, k, k] (PyTorch layout).
  int conv_t(int x, int64_t out, int64_t k, const std::string& name, ConvTOpts o = {});
  // Batch norm: weight (gamma, ones), bias (beta, zeros) trainable; running_mean (zeros) and
  // running_var (ones) state. Train mode uses batch statistics and updates the running ones.
  int bn(int x, const std::string& name);
  // Layer norm over the channels of each pixel: weight (ones), bias (zeros), both [C].
  int ln_channels(int x, const std::string& name);

  int relu(int x) { return op("relu", {x}); }
  int leaky(int x, double alpha) { return op("leaky_relu", {x}, {{"alpha", alpha}}); }
  int sigmoid(int x) { return op("sigmoid", {x}); }
  int silu(int x) { return op("silu", {x}); }

  // Dropout with probability p (spatial: whole channels). Identity in Infer mode. Every call
  // gets its own seed (a counter), and all share the 1-element input "rng_key".
  int dropout(int x, double p, bool spatial = false);
  // stride 0 means stride = k.
  int max_pool(int x, int64_t k, int64_t stride = 0, int64_t pad = 0);
  int avg_pool(int x, int64_t k, int64_t stride = 0, int64_t pad = 0,
               bool count_include_pad = false);
  int global_avg_pool(int x) { return op("global_avg_pool", {x}); }
  int concat(const std::vector<int>& xs) { return op("concat", xs, {{"axis", int64_t(1)}}); }
  int add(int a, int b) { return op("add", {a, b}); }
  int mul(int a, int b) { return op("mul", {a, b}); }
  // mode "nearest" or "bilinear" (align_corners false = Keras/TF2 and PyTorch's default).
  int upsample(int x, int64_t scale, const std::string& mode = "nearest",
               bool align_corners = false);

  // The rng_key input, or -1 while no dropout has been added.
  int rng_key() const { return key_; }

 private:
  Graph g_;
  Mode mode_;
  std::vector<std::string> scopes_;
  std::map<std::string, int> auto_names_;  // path prefix -> next automatic index
  int key_ = -1;
  int64_t dropout_seed_ = 0;
};

}  // namespace segrt
