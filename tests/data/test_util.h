// Helpers for the data tests: a temporary folder removed afterwards, files as bytes, and the
// shared real data sets (which may be absent).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace segrt::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "segrt_data_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<unsigned char> file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void put_bytes(const std::string& path, const std::vector<unsigned char>& b) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// SEGRT_DATA, else ../shared/data beside the checkout; empty when neither exists.
inline std::string shared_data_dir() {
  if (const char* env = std::getenv("SEGRT_DATA"); env && *env) {
    if (std::filesystem::is_directory(env)) return env;
    return {};
  }
#ifdef SEGRT_SOURCE_DIR
  const std::filesystem::path p =
      std::filesystem::path(SEGRT_SOURCE_DIR) / ".." / "shared" / "data";
  if (std::filesystem::is_directory(p)) return p.lexically_normal().string();
#endif
  return {};
}

}  // namespace segrt::test

// Checks that `expr` throws a segrt::Error whose message contains `needle`.
#define SEGRT_CHECK_ERROR_HAS(expr, needle)                            \
  do {                                                                 \
    bool thrown_ = false;                                              \
    try {                                                              \
      expr;                                                            \
    } catch (const segrt::Error& e_) {                                 \
      thrown_ = true;                                                  \
      INFO("message: " << std::string(e_.what()));                     \
      CHECK(std::string(e_.what()).find(needle) != std::string::npos); \
    }                                                                  \
    CHECK_MESSAGE(thrown_, "expected a segrt::Error from " #expr);     \
  } while (0)
