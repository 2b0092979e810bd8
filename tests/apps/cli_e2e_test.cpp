// A user's whole job through the binary: synth -> train -> eval -> infer -> resume, and a
// training run killed with SIGKILL that leaves usable checkpoints behind.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "runtime/data/image_io.h"
#include "tests/apps/cli.h"
#include "tests/apps/cli_data.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace segrt::test {
namespace {

// A model file read as plain safetensors, independently of the library's reader: the 8-byte
// little-endian header length, the JSON header, and the data its tensors must tile exactly.
// Returns the header (with __metadata__).
json check_safetensors(const std::string& path) {
  INFO("model file " << path);
  const std::vector<unsigned char> b = file_bytes(path);
  REQUIRE(b.size() >= 8);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = hlen << 8 | b[size_t(i)];
  REQUIRE(hlen <= b.size() - 8);
  CHECK((8 + hlen) % 8 == 0);  // the data starts aligned
  const json h = json::parse(b.begin() + 8, b.begin() + 8 + int64_t(hlen), nullptr, false);
  REQUIRE(h.is_object());
  REQUIRE(h.contains("__metadata__"));
  const json& meta = h.at("__metadata__");
  CHECK(meta.at("format") == "segrt");
  CHECK(meta.at("version") == "1");
  CHECK(json::parse(meta.at("graph").get<std::string>(), nullptr, false).is_object());
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [name, t] : h.items()) {
    if (name == "__metadata__") continue;
    INFO("tensor " << name);
    CHECK(t.at("dtype") == "F32");
    uint64_t numel = 1;
    for (auto& d : t.at("shape")) numel *= d.get<uint64_t>();
    const uint64_t begin = t.at("data_offsets").at(0), end = t.at("data_offsets").at(1);
    CHECK(end - begin == 4 * numel);
    ranges.push_back({begin, end});
  }
  CHECK(ranges.size() > 10);
  std::sort(ranges.begin(), ranges.end());
  uint64_t at = 0;
  for (auto& [begin, end] : ranges) {
    CHECK(begin == at);
    at = end;
  }
  CHECK(8 + hlen + at == b.size());
  return h;
}

std::string meta_of(const std::string& path, const std::string& key) {
  return check_safetensors(path).at("__metadata__").at(key).get<std::string>();
}

struct HistoryRow {
  int epoch;
  std::vector<double> values;  // lr, train_loss, val_loss, val_dice, val_iou, seconds
};

std::vector<HistoryRow> read_history(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  REQUIRE(std::getline(f, line));
  CHECK(line == "epoch,lr,train_loss,val_loss,val_dice,val_iou,seconds");
  std::vector<HistoryRow> rows;
  while (std::getline(f, line)) {
    INFO("history line: " << line);
    std::stringstream ss(line);
    std::string cell;
    HistoryRow r{};
    REQUIRE(std::getline(ss, cell, ','));
    r.epoch = std::stoi(cell);
    while (std::getline(ss, cell, ',')) r.values.push_back(std::stod(cell));
    REQUIRE(r.values.size() == 6);
    for (double v : r.values) CHECK(std::isfinite(v));
    CHECK(r.values[3] >= 0);  // val Dice and IoU
    CHECK(r.values[3] <= 1);
    CHECK(r.values[4] >= 0);
    CHECK(r.values[4] <= 1);
    rows.push_back(r);
  }
  return rows;
}

// Rows numbered 1, 2, ..., n.
void check_numbered(const std::vector<HistoryRow>& rows, size_t n) {
  REQUIRE(rows.size() == n);
  for (size_t i = 0; i < n; ++i) CHECK(rows[i].epoch == int(i + 1));
}

void check_unit(const json& j, const char* key) {
  INFO(key << " = " << j.dump());
  REQUIRE(j.contains(key));
  REQUIRE(j.at(key).is_number());
  CHECK(j.at(key).get<double>() >= 0);
  CHECK(j.at(key).get<double>() <= 1);
}

json eval_json(const std::string& model, const std::string& data,
               const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"eval", "--model", model,       "--data",
                                   data,   "--json",  "--threads", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = run_segrt(args);
  check_success(r);
  INFO(r.describe());
  REQUIRE(!r.out.empty());
  CHECK(r.out.find('\n') == r.out.size() - 1);  // exactly one line: one JSON object
  const json j = json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  for (const char* k :
       {"dice", "iou", "accuracy", "sensitivity", "specificity", "precision", "pixel_accuracy"})
    check_unit(j, k);
  for (const char* k : {"hd", "hd95"}) {  // distances: null when a mask is empty
    REQUIRE(j.contains(k));
    CHECK((j.at(k).is_null() || j.at(k).get<double>() >= 0));
  }
  REQUIRE(j.at("per_class").is_array());
  REQUIRE(j.at("per_class").size() == 1);  // binary masks: the tumour class
  const json& c = j.at("per_class").at(0);
  CHECK(c.at("class") == 1);
  for (const char* k : {"dice", "iou"}) check_unit(c, k);
  CHECK(c.contains("hd95"));
  return j;
}

// Runs `args` in the background until `ready` holds (polled), then lets it run `delay` more
// and sends SIGKILL. Returns false when `ready` never held within `limit`.
template <class Ready>
bool kill_when(const std::vector<std::string>& args, const TempDir& dir, Ready ready,
               std::chrono::milliseconds delay, std::chrono::seconds limit) {
  SegrtProcess p(args, dir / "killed.out", dir / "killed.err");
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (!p.running() || std::chrono::steady_clock::now() > deadline) {
      p.kill(SIGKILL);
      const int st = p.wait();
      INFO("status " << st << "\n" << std::ifstream(dir / "killed.err").rdbuf());
      FAIL_CHECK("the training run ended or stalled before it could be killed");
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(delay);
  p.kill(SIGKILL);
  const int st = p.wait();
  CHECK(WIFSIGNALED(st));
  if (WIFSIGNALED(st)) CHECK(WTERMSIG(st) == SIGKILL);
  return true;
}

// The epoch (0-based) recorded in a model file's metadata; -1 while it does not exist. Reads
// only the header: it is polled while training replaces the file (atomically, by rename).
int checkpoint_epoch(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return -1;
  unsigned char len[8];
  REQUIRE(f.read(reinterpret_cast<char*>(len), 8));
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = hlen << 8 | len[i];
  REQUIRE(hlen < (1u << 26));
  std::string text(hlen, '\0');
  REQUIRE(f.read(text.data(), std::streamsize(hlen)));
  const json h = json::parse(text, nullptr, false);
  REQUIRE(h.is_object());
  return std::stoi(h.at("__metadata__").at("epoch").get<std::string>());
}

}  // namespace

TEST_CASE("segrt cli: synth, train, eval, infer, resume, and SIGKILL during training") {
  TempDir dir;
  const std::string data = synth_data(dir, "data", 40, 64);
  const std::string run = dir / "run";
  const std::string best = run + "/best.segrt", last = run + "/last.segrt",
                    history = run + "/history.csv";
  auto train_args = [&](int epochs, bool resume) {
    std::vector<std::string> a = {"train",
                                  "--model",
                                  "oru-net",
                                  "--data",
                                  data,
                                  "--out",
                                  run,
                                  "--size",
                                  "64x64",
                                  "--epochs",
                                  std::to_string(epochs),
                                  "--steps",
                                  "2",
                                  "--batch",
                                  "4",
                                  "--threads",
                                  "2"};
    if (resume) a.push_back("--resume");
    return a;
  };

  // ---- train: one epoch of two steps ----
  CliResult r = run_segrt(train_args(1, false));
  check_success(r);
  CHECK(r.out.find("best model: " + best) != std::string::npos);
  CHECK(r.out.find("last checkpoint: " + last) != std::string::npos);
  REQUIRE(fs::is_regular_file(best));
  REQUIRE(fs::is_regular_file(last));
  REQUIRE(fs::is_regular_file(history));
  check_numbered(read_history(history), 1);
  const json header = check_safetensors(best);
  const json& meta = header.at("__metadata__");
  CHECK(meta.at("model").get<std::string>().rfind("oru-net:", 0) == 0);
  CHECK(meta.at("epoch") == "0");
  CHECK(meta.at("data.channels") == "3");
  CHECK(meta.at("data.height") == "64");
  CHECK(meta.at("data.width") == "64");
  CHECK(header.contains("head.weight"));
  const json last_header = check_safetensors(last);
  CHECK(last_header.at("__metadata__").at("epoch") == "0");
  bool optimizer_state = false;  // the last checkpoint carries Adam's moments for --resume
  for (auto& [name, t] : last_header.items()) optimizer_state |= name.rfind("optim.", 0) == 0;
  CHECK(optimizer_state);

  // ---- eval: one JSON object, metrics in range ----
  const json test = eval_json(best, data, {"--split", "test"});
  CHECK(test.at("images") == 4);  // --test 0.1 of 40 files
  CHECK(test.at("split") == "test");
  const json all = eval_json(best, data, {"--no-hd"});
  CHECK(all.at("images") == 40);
  CHECK(all.at("hd95").is_null());

  // ---- infer: a mask and an overlay of each input's own size ----
  const std::string odd = dir / "odd.png";
  write_test_png(odd, 3, 50, 70);
  const std::string in0 = data + "/images/synth_0000.png", out = dir / "pred";
  r = run_segrt({"infer", "--model", best, "--input", in0, odd, "--out", out, "--threads", "2"});
  check_success(r);
  struct Expect {
    std::string stem;
    int h, w;
  };
  for (const Expect& e : {Expect{"synth_0000", 64, 64}, Expect{"odd", 50, 70}}) {
    const std::string& stem = e.stem;
    const int h = e.h, w = e.w;
    CAPTURE(stem);
    CHECK(r.out.find(stem + "_mask.png") != std::string::npos);
    const Image mask = read_image(out + "/" + stem + "_mask.png");
    CHECK(mask.c == 1);
    CHECK(mask.h == h);
    CHECK(mask.w == w);
    for (float v : mask.data) REQUIRE((v == 0 || v == 255));
    const Image overlay = read_image(out + "/" + stem + "_overlay.png");
    CHECK(overlay.c == 3);
    CHECK(overlay.h == h);
    CHECK(overlay.w == w);
  }

  // ---- resume: the history grows and the numbering goes on ----
  const std::vector<HistoryRow> before = read_history(history);
  r = run_segrt(train_args(2, true));
  check_success(r);
  CHECK(r.err.find("resuming " + last + " at epoch 2") != std::string::npos);
  std::vector<HistoryRow> rows = read_history(history);
  check_numbered(rows, 2);
  CHECK(rows[0].values == before[0].values);  // the first epoch's row is kept as it was
  CHECK(checkpoint_epoch(last) == 1);
  CHECK(meta_of(last, "step") == "4");

  // ---- SIGKILL in the middle of an epoch ----
  // Resumed for many epochs; killed a moment after the checkpoint of its first epoch (epoch
  // index 2), while the next epoch trains.
  kill_when(
      train_args(1000, true), dir, [&] { return checkpoint_epoch(last) >= 2; },
      std::chrono::milliseconds(300), std::chrono::seconds(120));
  const int killed_at = checkpoint_epoch(last);
  CHECK(killed_at >= 2);
  check_safetensors(best);
  eval_json(last, data, {"--split", "val", "--no-hd"});  // the last checkpoint still works
  // The history holds at least the checkpoint's epochs (it is written before last.segrt).
  CHECK(read_history(history).size() >= size_t(killed_at + 1));

  // ---- and resuming after the kill continues from that checkpoint ----
  r = run_segrt(train_args(killed_at + 2, true));
  check_success(r);
  CHECK(r.err.find("resuming " + last + " at epoch " + std::to_string(killed_at + 2)) !=
        std::string::npos);
  rows = read_history(history);
  check_numbered(rows, size_t(killed_at + 2));
  CHECK(checkpoint_epoch(last) == killed_at + 1);
}

TEST_CASE("segrt cli: training killed at any moment leaves loadable checkpoints") {
  // A tiny model whose epochs take milliseconds: kills land in training steps, validation and
  // checkpoint writes alike. Whatever is on disk must load, and resume must carry on.
  TempDir dir;
  const std::string data = synth_data(dir, "data", 8, 32);
  const std::string run = dir / "run";
  const std::string last = run + "/last.segrt", best = run + "/best.segrt";
  auto args = [&](int epochs) {
    return std::vector<std::string>{"train",
                                    "--model",
                                    "oru-net:base=4",
                                    "--data",
                                    data,
                                    "--out",
                                    run,
                                    "--size",
                                    "32",
                                    "--epochs",
                                    std::to_string(epochs),
                                    "--steps",
                                    "1",
                                    "--batch",
                                    "2",
                                    "--val",
                                    "0.25",
                                    "--test",
                                    "0",
                                    "--threads",
                                    "1",
                                    "--quiet",
                                    "--resume"};
  };
  int previous = -1;
  for (int delay_ms : {0, 7, 19, 31, 53}) {
    CAPTURE(delay_ms);
    // Killed once this run has written a checkpoint of its own, after a varying delay.
    kill_when(
        args(100000), dir, [&] { return checkpoint_epoch(last) > previous; },
        std::chrono::milliseconds(delay_ms), std::chrono::seconds(60));
    const int epoch = checkpoint_epoch(last);
    CHECK(epoch > previous);
    previous = epoch;
    check_success(run_segrt({"info", last}));
    check_success(run_segrt({"info", best}));
    const size_t rows = read_history(run + "/history.csv").size();
    CHECK(rows >= size_t(epoch + 1));
  }
  CliResult r = run_segrt(args(previous + 2));
  check_success(r);
  check_numbered(read_history(run + "/history.csv"), size_t(previous + 2));
  CHECK(checkpoint_epoch(last) == previous + 1);
  eval_json(last, data, {"--no-hd"});
}

}  // namespace segrt::test
