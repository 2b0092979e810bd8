// Model files: round trip, the safetensors layout read by an independent minimal parser here,
// and rejection of damaged files.
#include "graph/model_file.h"

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "graph/models/zoo.h"

namespace segrt::test {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test case, removed afterwards.
struct TempDir {
  fs::path dir;
  explicit TempDir(const std::string& tag) {
    dir = fs::temp_directory_path() / ("segrt_mf_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string operator/(const std::string& f) const { return (dir / f).string(); }
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[size_t(i)] = char((v >> (8 * i)) & 0xff);
  return s;
}

// A small model with params, state and a dropout key.
Graph small_model() {
  return build_model("oru-net:base=2,depth=1", 1, Mode::Train, 0, 8);
}

void expect_error(const std::string& path, const std::string& want) {
  try {
    load_model(path);
    FAIL("no error");
  } catch (const Error& e) {
    std::string m = e.what();
    INFO(m);
    CHECK(m.find(path) == 0);
    CHECK(m.find(want) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("model file: save and load round trip") {
  TempDir t("roundtrip");
  Graph g = small_model();
  ParamStore p = init_params(g, 3);
  p["enc1.bn1.running_mean"][1] = 0.125f;
  TensorMap extra = {{"optim.m.head.weight", Tensor{{2, 2, 1, 1}, {1, 2, 3, 4}}}};
  std::map<std::string, std::string> info = {
      {"epoch", "7"}, {"best_dice", "0.87"}, {"optimizer", "sgd"}};
  std::string path = t / "m.segrt";
  save_model(path, g, p, info, extra);
  ModelFile m = load_model(path);
  CHECK(m.graph.dump() == g.dump());
  CHECK(m.graph.meta == g.meta);
  CHECK(m.model() ==
        "oru-net:base=2,bn_momentum=0.1,depth=1,dropout=0.3,head=sigmoid,in=3,leaky=0.2,out=2,"
        "residual=0");
  CHECK(m.params == p);
  CHECK(m.info == info);
  REQUIRE(m.extra.count("optim.m.head.weight") == 1);
  CHECK(m.extra.at("optim.m.head.weight").data == std::vector<float>{1, 2, 3, 4});
  CHECK(m.extra.at("optim.m.head.weight").shape == Shape{2, 2, 1, 1});
  // The stored graph keeps value ids, kinds, init rules, L2 flags and attributes.
  for (size_t i = 0; i < g.values().size(); ++i) {
    CHECK(m.graph.value(int(i)).kind == g.value(int(i)).kind);
    CHECK(m.graph.value(int(i)).l2 == g.value(int(i)).l2);
    CHECK(m.graph.value(int(i)).init.fan_in == g.value(int(i)).init.fan_in);
  }
  CHECK(m.graph.node(0).attrs.ints("pad") == g.node(0).attrs.ints("pad"));
  CHECK(m.graph.outputs() == g.outputs());
  // Saving again over the file replaces it atomically and leaves no temporary behind.
  p["head.bias"][0] = 9;
  save_model(path, g, p);
  CHECK(load_model(path).params.at("head.bias")[0] == 9);
  CHECK(load_model(path).info.empty());
  int files = 0;
  for (auto& e : fs::directory_iterator(t.dir)) files += e.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("model file: the header is plain safetensors") {
  TempDir t("layout");
  Graph g = small_model();
  ParamStore p = init_params(g, 5);
  std::string path = t / "m.segrt";
  save_model(path, g, p, {{"epoch", "1"}});
  // An independent reader: u64 LE header length, JSON, then the data.
  std::string bytes = slurp(path);
  REQUIRE(bytes.size() > 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[size_t(i)]);
  CHECK((8 + n) % 8 == 0);
  auto h = nlohmann::json::parse(bytes.substr(8, n));
  CHECK(h["__metadata__"]["format"] == "segrt");
  CHECK(h["__metadata__"]["version"] == "1");
  CHECK(h["__metadata__"]["epoch"] == "1");
  CHECK(h["__metadata__"]["model"] == g.meta.at("model"));
  CHECK(nlohmann::json::parse(h["__metadata__"]["graph"].get<std::string>())["nodes"].size() ==
        g.nodes().size());
  size_t tensors = 0;
  uint64_t total = 0;
  for (auto& [name, e] : h.items()) {
    if (name == "__metadata__") continue;
    ++tensors;
    CHECK(e["dtype"] == "F32");
    CHECK(e["shape"].get<Shape>() == g.value(g.get(name)).shape);
    uint64_t b = e["data_offsets"][0], end = e["data_offsets"][1];
    CHECK(end - b == p.at(name).size() * 4);
    total += end - b;
    std::vector<float> v(p.at(name).size());
    std::memcpy(v.data(), bytes.data() + 8 + n + b, end - b);
    CHECK(v == p.at(name));
  }
  CHECK(tensors == p.size());
  CHECK(8 + n + total == bytes.size());
  CHECK(h.contains("enc1.sep1.depthwise.weight"));
  CHECK(h["head.weight"]["shape"] == nlohmann::json({2, 2, 1, 1}));
}

TEST_CASE("model file: damaged files are refused, naming the file") {
  TempDir t("damaged");
  Graph g = small_model();
  ParamStore p = init_params(g, 1);
  std::string good = t / "good.segrt";
  save_model(good, g, p);
  std::string bytes = slurp(good);

  std::string missing = t / "missing.segrt";
  expect_error(missing, "cannot open");

  std::string garbage = t / "garbage.segrt";
  std::string junk;
  for (int i = 0; i < 300; ++i) junk += char((i * 7919 + 13) % 251);
  spit(garbage, junk);
  expect_error(garbage, "header length");

  std::string tiny = t / "tiny.segrt";
  spit(tiny, "abc");
  expect_error(tiny, "too short");

  std::string truncated = t / "truncated.segrt";
  spit(truncated, bytes.substr(0, bytes.size() - 10));
  expect_error(truncated, "past the end of the data");

  std::string cut_header = t / "cut_header.segrt";
  spit(cut_header, bytes.substr(0, 100));
  expect_error(cut_header, "exceeds the file");

  std::string not_json = t / "not_json.segrt";
  spit(not_json, le64(8) + "{nope!!}" + std::string(16, '\0'));
  expect_error(not_json, "not valid JSON");

  // A header that claims bytes beyond the end of the file.
  std::string beyond = t / "beyond.segrt";
  std::string hdr = R"({"w":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}})";
  spit(beyond, le64(hdr.size()) + hdr + std::string(16, '\0'));
  expect_error(beyond,
               "tensor 'w': data_offsets [0,400] reach past the end of the data (16 bytes)");

  std::string mismatch = t / "mismatch.segrt";
  hdr = R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})";
  spit(mismatch, le64(hdr.size()) + hdr + std::string(16, '\0'));
  expect_error(mismatch, "do not hold shape [3]");

  std::string f16 = t / "f16.segrt";
  hdr = R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})";
  spit(f16, le64(hdr.size()) + hdr + std::string(4, '\0'));
  expect_error(f16, "dtype \"F16\" is not supported");

  std::string overlap = t / "overlap.segrt";
  hdr = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  spit(overlap, le64(hdr.size()) + hdr + std::string(12, '\0'));
  expect_error(overlap, "overlap or leave a gap");

  std::string trailing = t / "trailing.segrt";
  spit(trailing, bytes + "xxxx");
  expect_error(trailing, "4 bytes after the last tensor");

  // Valid safetensors, but not ours.
  std::string plain = t / "plain.safetensors";
  write_safetensors(plain, {{"w", Tensor{{2}, {1, 2}}}}, {});
  CHECK(read_safetensors(plain).tensors.at("w").data == std::vector<float>{1, 2});
  expect_error(plain, "not a segrt model file");

  // Ours, but a parameter is missing.
  std::string partial = t / "partial.segrt";
  auto s = read_safetensors(good);
  s.tensors.erase("head.bias");
  write_safetensors(partial, s.tensors, s.metadata);
  expect_error(partial, "missing 'head.bias' [2]");

  std::string newer = t / "newer.segrt";
  s = read_safetensors(good);
  s.metadata["version"] = "99";
  write_safetensors(newer, s.tensors, s.metadata);
  expect_error(newer, "version '99' is not supported");
}

TEST_CASE("model file: save refuses bad input") {
  TempDir t("refuse");
  Graph g = small_model();
  ParamStore p = init_params(g, 1);
  std::string path = t / "m.segrt";
  ParamStore missing = p;
  missing.erase("head.weight");
  CHECK_THROWS_WITH_AS(save_model(path, g, missing), doctest::Contains("missing 'head.weight'"),
                       Error);
  CHECK_THROWS_WITH_AS(save_model(path, g, p, {{"graph", "x"}}), doctest::Contains("reserved"),
                       Error);
  CHECK_THROWS_WITH_AS(save_model(path, g, p, {}, {{"head.bias", Tensor{{2}, {0, 0}}}}),
                       doctest::Contains("collides"), Error);
  CHECK_THROWS_WITH_AS(save_model(t / "no/such/dir/m.segrt", g, p),
                       doctest::Contains("cannot create a temporary file"), Error);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("model file: graph JSON replays through shape inference") {
  Graph g = small_model();
  std::string j = graph_to_json(g);
  CHECK(graph_from_json(j).dump() == g.dump());
  auto doc = nlohmann::json::parse(j);
  doc["values"][0]["shape"] = {1, 3, 8, 9};  // the image no longer fits the recorded shapes
  CHECK_THROWS_WITH_AS(graph_from_json(doc.dump()), doctest::Contains("shape inference gives"),
                       Error);
  doc = nlohmann::json::parse(j);
  doc["nodes"][0]["op"] = "no_such_op";
  CHECK_THROWS_WITH_AS(graph_from_json(doc.dump()), doctest::Contains("unknown op 'no_such_op'"),
                       Error);
  CHECK_THROWS_WITH_AS(graph_from_json("{\"values\": 3}"), doctest::Contains("graph JSON"), Error);
}

}  // namespace segrt::test
