// The model zoo: exact parameter counts against the papers/authors' code (networks.md), names,
// modes, and spec parsing.
#include "graph/models/zoo.h"

#include <doctest/doctest.h>

#include <set>

#include "graph/cost.h"

namespace segrt::test {
namespace {

struct Counts {
  int64_t trainable = 0, state = 0;
};

Counts count(const Graph& g) {
  Counts c;
  for (const Value& v : g.values()) {
    if (v.kind == ValueKind::Param) c.trainable += numel(v.shape);
    if (v.kind == ValueKind::State) c.state += numel(v.shape);
  }
  return c;
}

int count_ops(const Graph& g, const std::string& op) {
  int k = 0;
  for (auto& n : g.nodes()) k += n.op == op;
  return k;
}

}  // namespace

TEST_CASE("zoo: ResU-Net has the paper's 6,854,609 trainable + 9,824 non-trainable parameters") {
  Graph g = build_model("resunet", 1, Mode::Train);
  Counts c = count(g);
  CHECK(c.trainable == 6854609);
  CHECK(c.state == 9824);
  CHECK(g.value(g.get("logits")).shape == Shape{1, 1, 64, 64});
  CHECK(g.value(g.get("image")).shape == Shape{1, 4, 64, 64});
  CHECK(g.value(g.get("enc1.unit1.shortcut.weight")).shape == Shape{16, 4, 1, 1});
  CHECK(g.value(g.get("enc5.unit4.conv2.weight")).shape == Shape{256, 256, 3, 3});
  CHECK(g.value(g.get("dec4.up.weight")).shape == Shape{256, 128, 3, 3});
  CHECK(g.value(g.get("dec4.ln.weight")).shape == Shape{256});
  CHECK(g.value(g.get("final.res.unit2.bn2.running_var")).kind == ValueKind::State);
  CHECK(count_ops(g, "layer_norm_channels") == 5);
  CHECK(count_ops(g, "upsample") == 1);
  // Spatial dropout after each of the 14 + 4 + 2 residual units and after each decoder LN.
  CHECK(count_ops(g, "dropout") == 14 + 4 + 2 + 4);
  for (auto& n : g.nodes())
    if (n.op == "dropout") CHECK(n.attrs.i("spatial") == 1);
}

// ORU-Net, residual=0, in=3, out=2, from networks.md. With sep(i,f) = 9i + i*f + f
// (depthwise 3x3 without bias, pointwise with bias) and BN = 2f trainable + 2f state, a level
// of two blocks i->f, f->f has 9i + i*f + f^2 + 15f trainable and 4f state parameters:
//   enc1 (3,16) 571, enc2 (16,32) 2,160, enc3 (32,64) 7,392, enc4 (64,128) 27,072,
//   bottleneck (128,256) 103,296,
//   dec4: convT3 256->128 9*256*128+128 = 295,040, level (256,128) 53,376
//   dec3: convT3 128->64 73,792, level (128,64) 14,400
//   dec2: convT3 64->32 18,464, level (64,32) 4,128
//   dec1: convT3 32->16 4,624, level (32,16) 1,296
//   head conv1 16->2: 34
// trainable = 605,645; state = 4 * (16+32+64+128+256+128+64+32+16) = 2,944; total 608,589.
// residual=1 adds a conv1 with bias per level: i*f + f = 64 + 544 + 2,112 + 8,320 + 33,024 +
// 32,896 + 8,256 + 2,080 + 528 = 87,824.
TEST_CASE("zoo: ORU-Net parameter counts (authors' model and the residual option)") {
  Graph g = build_model("oru-net:residual=0,out=2", 1, Mode::Train, 3);
  Counts c = count(g);
  CHECK(c.trainable == 605645);
  CHECK(c.state == 2944);
  CHECK(g.value(g.get("logits")).shape == Shape{1, 2, 128, 128});
  CHECK(g.value(g.get("enc1.sep1.depthwise.weight")).shape == Shape{3, 1, 3, 3});
  CHECK(g.value(g.get("enc1.sep1.pointwise.weight")).shape == Shape{16, 3, 1, 1});
  CHECK(g.value(g.get("enc1.sep1.pointwise.bias")).shape == Shape{16});
  CHECK(g.find("enc1.sep1.depthwise.bias") < 0);
  CHECK(g.value(g.get("dec4.sep1.depthwise.weight")).shape == Shape{256, 1, 3, 3});
  CHECK(g.value(g.get("head.weight")).shape == Shape{2, 16, 1, 1});
  CHECK(count_ops(g, "dropout") == 18);
  CHECK(count_ops(g, "leaky_relu") == 18);
  CHECK(g.meta.at("l2") == "0.0001");

  Graph r = build_model("oru-net:residual=1", 1, Mode::Train);
  CHECK(count(r).trainable == 605645 + 87824);
  CHECK(count(r).state == 2944);
  CHECK(count_ops(r, "add") == 9);
  CHECK(r.value(r.get("dec4.proj.weight")).shape == Shape{128, 256, 1, 1});
}

// U-Net, the ORU-Net authors' teacher (3 in, 2 out), from networks.md; conv3(i,o) = 9io + o:
//   enc1 3->32->32: 896 + 9,248; enc2 32->64->64: 18,496 + 36,928;
//   enc3 64->128->128: 73,856 + 147,584; enc4 128->256->256: 295,168 + 590,080;
//   bottleneck 256->512->512: 1,180,160 + 2,359,808            (encoder 4,712,224)
//   dec4: convT3 512->256 1,179,904; conv 512->256 1,179,904; 256->256 590,080
//   dec3: convT3 256->128 295,040; conv 256->128 295,040; 128->128 147,584
//   dec2: convT3 128->64 73,792; conv 128->64 73,792; 64->64 36,928
//   dec1: convT3 64->32 18,464; conv 64->32 18,464; 32->32 9,248
//   final conv3 32->32 9,248; head conv1 32->2 66              (decoder 3,927,554)
// total 8,639,778 (the paper's "8.5M"), no state.
TEST_CASE("zoo: U-Net teacher (preset oru-teacher) has 8,639,778 parameters") {
  Graph g = build_model("unet:preset=oru-teacher", 1, Mode::Train);
  CHECK(count(g).trainable == 8639778);
  CHECK(count(g).state == 0);
  CHECK(g.value(g.get("image")).shape == Shape{1, 3, 128, 128});
  CHECK(g.value(g.get("logits")).shape == Shape{1, 2, 128, 128});
  CHECK(g.value(g.get("final.conv.weight")).shape == Shape{32, 32, 3, 3});
  CHECK(g.value(g.get("dec4.up.weight")).shape == Shape{512, 256, 3, 3});
  CHECK(count_ops(g, "dropout") == 2);
  // The canonical spec spells the preset out.
  CHECK(g.meta.at("model") ==
        "unet:base=32,bn=0,depth=4,drop_levels=2,dropout=0.3,final_conv=1,head=sigmoid,in=3,"
        "out=2,up=t3");
  // Explicit options win over the preset.
  CHECK(count(build_model("unet:preset=oru-teacher,out=1", 1, Mode::Infer)).trainable ==
        8639778 - 33);
}

// unet:base=4,depth=1,bn=1 (1 in, 1 out): convs have no bias with BN.
//   enc1 conv 1->4 36 + BN 8, conv 4->4 144 + BN 8; bottleneck 4->8 288 + 16, 8->8 576 + 16;
//   dec1 convT2 8->4 8*4*4+4 = 132, conv 8->4 288 + 8, conv 4->4 144 + 8; head 4->1 5.
// trainable 1,677; state 2 * (4+4+8+8+4+4) = 64.
TEST_CASE("zoo: classic U-Net options (bn, depth, convT 2x2)") {
  Graph g = build_model("unet:base=4,depth=1,bn=1", 2, Mode::Train, 0, 8, 16);
  CHECK(count(g).trainable == 1677);
  CHECK(count(g).state == 64);
  CHECK(g.value(g.get("logits")).shape == Shape{2, 1, 8, 16});
  CHECK(g.find("enc1.conv1.bias") < 0);
  CHECK(count_ops(g, "batch_norm_train") == 6);
  CHECK(g.value(g.get("dec1.up.weight")).shape == Shape{8, 4, 2, 2});
  CHECK(g.meta.at("width") == "16");
  CHECK(g.meta.at("height") == "8");
}

TEST_CASE("zoo: modes choose batch norm and dropout ops") {
  Graph t = build_model("oru-net", 2, Mode::Train, 0, 16);
  Graph i = build_model("oru-net", 1, Mode::Infer, 0, 16);
  Graph m = build_model("oru-net", 1, Mode::MCDropout, 0, 16);
  CHECK(count_ops(t, "batch_norm_train") == 18);
  CHECK(count_ops(t, "dropout") == 18);
  CHECK(t.find("rng_key") >= 0);
  CHECK(t.inputs().size() == 2);
  CHECK(count_ops(i, "batch_norm_infer") == 18);
  CHECK(count_ops(i, "dropout") == 0);
  CHECK(i.find("rng_key") < 0);
  CHECK(i.inputs().size() == 1);
  CHECK(count_ops(m, "batch_norm_infer") == 18);
  CHECK(count_ops(m, "dropout") == 18);
  // Same parameters in every mode, so one file serves all three.
  CHECK(count(t).trainable == count(i).trainable);
  CHECK(count(t).state == count(m).state);
  // Every dropout has its own seed and reads the one shared key.
  std::set<int64_t> seeds;
  for (auto& n : m.nodes())
    if (n.op == "dropout") {
      seeds.insert(n.attrs.i("seed"));
      CHECK(n.inputs[1] == m.get("rng_key"));
    }
  CHECK(seeds.size() == 18);
  CHECK(t.meta.at("mode") == "train");
  CHECK(m.meta.at("mode") == "mc-dropout");
}

TEST_CASE("zoo: meta, canonical spec and rebuilding from it") {
  Graph g = build_model("oru-net:out=1,head=sigmoid", 2, Mode::Infer, 3, 32);
  CHECK(g.meta.at("model") ==
        "oru-net:base=16,bn_momentum=0.1,depth=4,dropout=0.3,head=sigmoid,in=3,leaky=0.2,out=1,"
        "residual=0");
  CHECK(g.meta.at("head") == "sigmoid");
  CHECK(g.meta.at("in_channels") == "3");
  CHECK(g.meta.at("out_channels") == "1");
  CHECK(g.meta.at("name") == "oru-net");
  CHECK(g.outputs() == std::vector<int>{g.get("logits")});
  Graph again = build_model(g.meta.at("model"), 2, Mode::Infer, 0, 32);
  CHECK(again.dump() == g.dump());
  // Softmax head with two classes.
  Graph s = build_model("resunet:out=2,head=softmax", 1, Mode::Infer);
  CHECK(s.meta.at("head") == "softmax");
  CHECK(s.value(s.get("logits")).shape == Shape{1, 2, 64, 64});
  // The data's channel count sets `in` unless the spec says otherwise.
  CHECK(build_model("resunet", 1, Mode::Infer, 1).value(0).shape == Shape{1, 1, 64, 64});
}

TEST_CASE("zoo: spec errors are clear") {
  auto err = [](const std::string& spec, const std::string& want, int64_t in = 0,
                int64_t size = 0) {
    INFO(spec);
    try {
      build_model(spec, 1, Mode::Infer, in, size);
      FAIL("no error");
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(want) != std::string::npos);
    }
  };
  err("nope", "unknown model 'nope' (known: oru-net, resunet, unet");
  err("unet:widht=3", "unknown option 'widht'");
  err("unet:base", "expected key=value");
  err("unet:base=", "expected key=value");
  err("unet:base=8,base=16", "given twice");
  err("unet:base=eight", "option base must be an integer");
  err("unet:bn=maybe", "option bn must be 0 or 1");
  err("unet:up=bilinear", "up must be t2 or t3");
  err("unet:preset=big", "unknown preset 'big'");
  err("unet:head=tanh", "head must be sigmoid or softmax");
  err("unet:head=softmax,out=1", "softmax head needs out >= 2");
  err("unet:in=3", "says in=3 but the input has 4 channels", 4);
  err("unet:depth=4", "must be a multiple of 16", 0, 40);
  err("resunet", "must be a multiple of 32", 0, 48);
  err("oru-net:depth=0", "depth must be in 1..10");
  err("oru-net:dropout=1", "dropout: p must be in [0, 1)");
  CHECK(describe_models().find("preset=\"\"  sets several options at once: oru-teacher") !=
        std::string::npos);
}

TEST_CASE("zoo: the per-layer cost table accounts for every parameter") {
  Graph g = build_model("resunet", 1, Mode::Infer);
  GraphCost c = graph_cost(g);
  int64_t sum = 0;
  for (auto& l : c.layers) sum += l.params;
  CHECK(sum == c.trainable + c.non_trainable);
  CHECK(c.trainable == 6854609);
  CHECK(c.layers.front().name == "enc1.unit1.conv1");
  CHECK(c.layers.back().name == "head");
  CHECK(c.layers.back().params == 17);
}

}  // namespace segrt::test
