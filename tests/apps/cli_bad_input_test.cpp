// Damaged or unsuitable input never crashes a command: each ends with exit status 1 and a
// message naming the file at fault and what is wrong with it.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <memory>

#include "runtime/data/image_io.h"
#include "tests/apps/cli.h"
#include "tests/apps/cli_data.h"

namespace fs = std::filesystem;

namespace segrt::test {
namespace {

// train, eval and infer on a data folder one of whose files (`bad`) is damaged; every command
// must fail cleanly, naming `bad` and saying `problem`.
void check_all_commands_refuse(const TempDir& dir, const std::string& data,
                               const std::string& model, const std::string& bad,
                               const std::string& problem, int size = 32) {
  CAPTURE(bad);
  check_clean_failure(run_segrt({"train", "--data", data, "--out", dir / "refused", "--model",
                                 "oru-net:base=4", "--size", std::to_string(size), "--epochs", "1",
                                 "--steps", "1", "--batch", "2", "--quiet"}),
                      {bad, problem});
  CHECK_FALSE(fs::exists(dir / "refused/last.segrt"));
  check_clean_failure(run_segrt({"eval", "--model", model, "--data", data}), {bad, problem});
  if (bad.find("/images/") != std::string::npos)
    check_clean_failure(
        run_segrt({"infer", "--model", model, "--input", bad, "--out", dir / "refused-infer"}),
        {bad, problem});
}

template <class T>
void poke(std::vector<unsigned char>& b, size_t off, T v) {
  std::memcpy(&b[off], &v, sizeof v);
}

// A data set and a tiny model trained on it, made once per test case (doctest runs a case's
// body again for each subcase) and removed at exit.
struct Fixture {
  TempDir dir;
  std::string good, model;
};
enum class Kind { Png, Nifti };
const Fixture& fixture(Kind kind) {
  static std::unique_ptr<Fixture> made[2];
  std::unique_ptr<Fixture>& f = made[int(kind)];
  if (!f) {
    auto fx = std::make_unique<Fixture>();
    fx->good = kind == Kind::Png ? synth_data(fx->dir, "good", 8, 32)
                                 : nifti_data(fx->dir, "good", "nii.gz", 3, 32, 32, 3);
    fx->model = train_tiny(fx->dir, "run", fx->good);
    f = std::move(fx);
  }
  return *f;
}

}  // namespace

TEST_CASE("segrt cli: damaged PNG files in a data folder are clean errors naming the file") {
  const Fixture& fx = fixture(Kind::Png);
  const TempDir& dir = fx.dir;
  const std::string &good = fx.good, &model = fx.model;

  SUBCASE("truncated image") {
    const std::string data = dir / "cut";
    copy_tree(good, data);
    const std::string bad = data + "/images/synth_0003.png";
    truncate_file(bad, fs::file_size(bad) / 2);
    check_all_commands_refuse(dir, data, model, bad, "truncated PNG");
  }
  SUBCASE("garbage bytes named .png") {
    const std::string data = dir / "garbage";
    copy_tree(good, data);
    const std::string bad = data + "/images/synth_0005.png";
    put_bytes(bad, noise_bytes(700, 1));
    check_all_commands_refuse(dir, data, model, bad, "not a PNG, JPEG or BMP file");
  }
  SUBCASE("garbage mask") {
    const std::string data = dir / "garbage-mask";
    copy_tree(good, data);
    const std::string bad = data + "/masks/synth_0002.png";
    put_bytes(bad, noise_bytes(300, 2));
    check_all_commands_refuse(dir, data, model, bad, "not a PNG, JPEG or BMP file");
  }
  SUBCASE("corrupt image data (CRC)") {
    const std::string data = dir / "crc";
    copy_tree(good, data);
    const std::string bad = data + "/images/synth_0001.png";
    std::vector<unsigned char> b = file_bytes(bad);
    b[b.size() / 2] ^= 0x5a;
    put_bytes(bad, b);
    check_all_commands_refuse(dir, data, model, bad, "corrupt PNG");
  }
  SUBCASE("empty file") {
    const std::string data = dir / "empty";
    copy_tree(good, data);
    const std::string bad = data + "/images/synth_0006.png";
    put_bytes(bad, {});
    check_all_commands_refuse(dir, data, model, bad, "empty file");
  }
}

TEST_CASE("segrt cli: damaged NIfTI volumes are clean errors naming the file") {
  // Trained on 1-channel volumes: the model's input width comes from the data.
  const Fixture& fx = fixture(Kind::Nifti);
  const TempDir& dir = fx.dir;
  const std::string &good_gz = fx.good, &model = fx.model;

  SUBCASE("damaged headers and data, in .nii and .nii.gz files") {
    for (const std::string ext : {"nii.gz", "nii"}) {
      CAPTURE(ext);
      const std::string good =
          ext == "nii" ? nifti_data(dir, "good-nii", "nii", 3, 32, 32, 3) : good_gz;
      auto damaged = [&](const std::string& name, auto&& damage) {
        const std::string data = dir / (name + "-" + ext);
        copy_tree(good, data);
        const std::string bad = data + "/images/case1." + ext;
        std::vector<unsigned char> b = nifti_bytes(bad);
        damage(b);
        put_nifti_bytes(bad, b);
        return std::pair{data, bad};
      };
      {
        auto [data, bad] = damaged("sizeof", [](auto& b) { poke<int32_t>(b, 0, 0x07070707); });
        check_all_commands_refuse(dir, data, model, bad, "not a NIfTI-1 file");
      }
      {
        auto [data, bad] = damaged("dim", [](auto& b) { poke<int16_t>(b, 42, -3); });
        check_all_commands_refuse(dir, data, model, bad, "invalid dim[1]");
      }
      {
        auto [data, bad] = damaged("magic", [](auto& b) { std::memcpy(&b[344], "xyz", 3); });
        check_all_commands_refuse(dir, data, model, bad, "magic");
      }
      {
        auto [data, bad] = damaged("cut", [](auto& b) { b.resize(b.size() / 2); });
        check_all_commands_refuse(dir, data, model, bad, "truncated NIfTI data");
      }
      {
        // A header declaring a 32767^3 volume: refused at once, not by running out of memory.
        auto [data, bad] = damaged("huge", [](auto& b) {
          for (int i = 1; i <= 3; ++i) poke<int16_t>(b, 40 + 2 * i, 32767);
        });
        check_all_commands_refuse(dir, data, model, bad, "truncated NIfTI data");
      }
      {
        auto [data, bad] = damaged("voxoff", [](auto& b) { poke<float>(b, 108, 1e30f); });
        check_all_commands_refuse(dir, data, model, bad, "vox_offset");
      }
      {
        const std::string data = dir / ("label-" + ext);
        copy_tree(good, data);
        const std::string lab = data + "/labels/case2." + ext;
        std::vector<unsigned char> b = nifti_bytes(lab);
        b.resize(352 + 10);
        put_nifti_bytes(lab, b);
        check_all_commands_refuse(dir, data, model, lab, "truncated NIfTI data");
      }
    }
  }

  SUBCASE("a gzip stream cut short") {
    const std::string data = dir / "gzcut";
    copy_tree(good_gz, data);
    const std::string bad = data + "/images/case0.nii.gz";
    truncate_file(bad, fs::file_size(bad) * 2 / 3);
    check_all_commands_refuse(dir, data, model, bad, "truncated");
  }
  SUBCASE("a volume of the wrong channel count for the model") {
    const std::string three = nifti_data(dir, "three", "nii.gz", 1, 32, 32, 2, 3);
    const std::string vol = three + "/images/case0.nii.gz";
    check_clean_failure(
        run_segrt({"infer", "--model", model, "--input", vol, "--out", dir / "refused-infer"}),
        {vol, "3 channels", "expects 1"});
    check_clean_failure(run_segrt({"eval", "--model", model, "--data", three}),
                        {three, "3 channels", "expects 1"});
  }
}

TEST_CASE("segrt cli: damaged .segrt model files are clean errors naming the file") {
  const Fixture& fx = fixture(Kind::Png);
  const TempDir& dir = fx.dir;
  const std::string &data = fx.good, &model = fx.model;
  const std::string image = data + "/images/synth_0000.png";
  // Every command that reads a model file.
  auto check_model_refused = [&](const std::string& path, const std::string& problem) {
    CAPTURE(path);
    check_clean_failure(run_segrt({"info", path}), {path, problem});
    check_clean_failure(run_segrt({"eval", "--model", path, "--data", data}), {path, problem});
    check_clean_failure(
        run_segrt({"infer", "--model", path, "--input", image, "--out", dir / "refused-infer"}),
        {path, problem});
    check_clean_failure(run_segrt({"bench", "--model", path, "--size", "32", "--repeat", "1"}),
                        {path, problem});
  };

  const std::string model_bytes_path = model;
  auto model_prefix = [&](size_t keep) {
    std::vector<unsigned char> b = file_bytes(model_bytes_path);
    REQUIRE(keep < b.size());
    b.resize(keep);
    return b;
  };

  SUBCASE("garbage") {
    const std::string garbage = dir / "garbage.segrt";
    put_bytes(garbage, noise_bytes(4096, 3));
    check_model_refused(garbage, "not a safetensors file");
  }
  SUBCASE("truncated in the tensor data") {
    const std::string cut = dir / "cut.segrt";
    put_bytes(cut, model_prefix(fs::file_size(model) * 3 / 5));
    check_model_refused(cut, "truncated");
  }
  SUBCASE("truncated in the header") {
    const std::string cut = dir / "cut-header.segrt";
    put_bytes(cut, model_prefix(200));
    check_model_refused(cut, "truncated");
  }
  SUBCASE("shorter than the header length") {
    const std::string stub = dir / "stub.segrt";
    put_bytes(stub, {1, 2, 3});
    check_model_refused(stub, "too short");
  }
  SUBCASE("a safetensors file that is not a segrt model") {
    const std::string foreign = dir / "foreign.segrt";
    const std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    std::vector<unsigned char> b(8 + header.size() + 4, 0);
    const uint64_t hlen = header.size();
    std::memcpy(b.data(), &hlen, 8);
    std::memcpy(b.data() + 8, header.data(), header.size());
    put_bytes(foreign, b);
    check_model_refused(foreign, "not a segrt model file");
  }
  SUBCASE("no such file") {
    check_model_refused(dir / "absent.segrt", "cannot open");
  }
  SUBCASE("train --resume with a damaged last.segrt") {
    const std::string out = dir / "resume";
    fs::create_directories(out);
    put_bytes(out + "/last.segrt", model_prefix(fs::file_size(model) / 2));
    check_clean_failure(
        run_segrt({"train", "--resume", "--model", "oru-net:base=4", "--data", data, "--out", out,
                   "--size", "32", "--epochs", "2", "--steps", "1", "--batch", "2", "--quiet"}),
        {out + "/last.segrt", "truncated"});
  }
  SUBCASE("train --resume with a checkpoint of another model") {
    const std::string out = dir / "other";
    fs::create_directories(out);
    fs::copy_file(model, out + "/last.segrt");
    check_clean_failure(
        run_segrt({"train", "--resume", "--model", "oru-net:base=8", "--data", data, "--out", out,
                   "--size", "32", "--epochs", "2", "--steps", "1", "--batch", "2", "--quiet"}),
        {out + "/last.segrt", "base=4"});
  }
}

TEST_CASE("segrt cli: unsuitable images and data folders are clean errors naming the file") {
  const Fixture& fx = fixture(Kind::Png);  // 3 channels (RGB phantoms)
  const TempDir& dir = fx.dir;
  const std::string &good = fx.good, &model = fx.model;

  SUBCASE("an image of the wrong channel count for the model") {
    const std::string grey = dir / "grey.png";
    write_test_png(grey, 1, 32, 32);
    check_clean_failure(
        run_segrt({"infer", "--model", model, "--input", grey, "--out", dir / "out"}),
        {grey, "1 channels", "expects 3"});
    CHECK_FALSE(fs::exists(dir / "out/grey_mask.png"));
    const std::string rgba = dir / "rgba.png";
    Image img(4, 16, 16, 200.f);
    img.at(3, 0, 0) = 10.f;  // a varying alpha is kept as a fourth channel
    write_png(rgba, img);
    check_clean_failure(
        run_segrt({"infer", "--model", model, "--input", rgba, "--out", dir / "out"}),
        {rgba, "4 channels", "expects 3"});
  }
  SUBCASE("grey images in a folder for an RGB model") {
    const std::string data = dir / "grey-data";
    copy_tree(good, data);
    for (const auto& e : fs::directory_iterator(data + "/images"))
      write_test_png(e.path().string(), 1, 32, 32);
    check_clean_failure(run_segrt({"eval", "--model", model, "--data", data}),
                        {data, "1 channels", "expects 3"});
  }
  SUBCASE("the masks folder is missing") {
    const std::string data = dir / "no-masks";
    copy_tree(good, data);
    fs::remove_all(data + "/masks");
    for (const char* cmd : {"train", "eval"}) {
      std::vector<std::string> args = {cmd,      "--data", data,       "--out", dir / "refused",
                                       "--size", "32",     "--epochs", "1",     "--quiet"};
      if (std::string(cmd) == "eval") args = {cmd, "--model", model, "--data", data};
      check_clean_failure(run_segrt(args), {data + "/masks", "missing masks folder"});
    }
  }
  SUBCASE("an image without its mask") {
    const std::string data = dir / "lonely";
    copy_tree(good, data);
    fs::remove(data + "/masks/synth_0004.png");
    check_clean_failure(run_segrt({"eval", "--model", model, "--data", data}),
                        {data + "/images/synth_0004.png", "no mask"});
  }
  SUBCASE("a mask of another size than its image") {
    const std::string data = dir / "sizes";
    copy_tree(good, data);
    const std::string mask = data + "/masks/synth_0002.png";
    write_test_png(mask, 1, 20, 24);
    check_all_commands_refuse(dir, data, model, mask, "mask is 20x24");
  }
  SUBCASE("no data folder") {
    check_clean_failure(run_segrt({"eval", "--model", model, "--data", dir / "absent"}),
                        {dir / "absent", "not found"});
    check_clean_failure(run_segrt({"train", "--data", dir / "absent", "--out", dir / "x"}),
                        {dir / "absent", "not found"});
  }
  SUBCASE("an input file that does not exist") {
    check_clean_failure(
        run_segrt({"infer", "--model", model, "--input", dir / "absent.png", "--out", dir / "o"}),
        {dir / "absent.png", "cannot open"});
  }
}

}  // namespace segrt::test
