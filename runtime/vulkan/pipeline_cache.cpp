#include "runtime/vulkan/pipeline_cache.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "runtime/vulkan/check.h"

namespace segrt::vk {
namespace {

// Our wrapper around the driver's data: magic, data length, FNV-1a of the data. Catches a
// truncated or damaged file that the Vulkan header alone would not.
constexpr char kMagic[8] = {'S', 'E', 'G', 'R', 'T', 'P', 'C', '1'};
constexpr size_t kWrapper = 24;

uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

uint32_t u32_at(const std::vector<uint8_t>& d, size_t off) {
  uint32_t v;
  std::memcpy(&v, d.data() + off, 4);
  return v;
}

std::string hex(uint64_t v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%0*llx", digits, static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

std::string pipeline_cache_dir() {
  const char* d = std::getenv("SEGRT_CACHE_DIR");
  if (d && *d) return d;
  const char* x = std::getenv("XDG_CACHE_HOME");
  if (x && *x) return std::string(x) + "/segrt";
  const char* h = std::getenv("HOME");
  if (h && *h) return std::string(h) + "/.cache/segrt";
  return {};
}

std::string pipeline_cache_file(const DeviceInfo& d) {
  std::string uuid;
  for (uint8_t b : d.pipeline_cache_uuid) uuid += hex(b, 2);
  return "pipelines-" + hex(d.vendor_id, 4) + "-" + hex(d.device_id, 4) + "-" +
         hex(d.driver_version, 8) + "-" + uuid + ".bin";
}

std::string check_cache_header(const std::vector<uint8_t>& data, const DeviceInfo& d) {
  // VkPipelineCacheHeaderVersionOne: header size, header version, vendor, device, UUID.
  if (data.size() < 16 + VK_UUID_SIZE) return "shorter than the Vulkan cache header";
  const uint32_t size = u32_at(data, 0), version = u32_at(data, 4);
  if (size < 16 + VK_UUID_SIZE || size > data.size()) return "bad header size";
  if (version != VK_PIPELINE_CACHE_HEADER_VERSION_ONE)
    return "header version " + std::to_string(version);
  if (u32_at(data, 8) != d.vendor_id) return "made for vendor 0x" + hex(u32_at(data, 8), 4);
  if (u32_at(data, 12) != d.device_id) return "made for device 0x" + hex(u32_at(data, 12), 4);
  if (std::memcmp(data.data() + 16, d.pipeline_cache_uuid, VK_UUID_SIZE) != 0)
    return "made for another pipelineCacheUUID (driver)";
  return {};
}

PipelineCache::PipelineCache(VkDevice dev, const DeviceInfo& d, const std::string& dir)
    : dev_(dev), info_(d), state_("disabled") {
  std::vector<uint8_t> data;
  if (!dir.empty()) {
    path_ = dir + "/" + pipeline_cache_file(d);
    std::ifstream f(path_, std::ios::binary);
    if (!f) {
      state_ = "absent";
    } else {
      std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)),
                                std::istreambuf_iterator<char>());
      std::string why;
      uint64_t len = 0, sum = 0;
      if (file.size() < kWrapper || std::memcmp(file.data(), kMagic, 8) != 0) {
        why = "not a segrt pipeline cache";
      } else {
        std::memcpy(&len, file.data() + 8, 8);
        std::memcpy(&sum, file.data() + 16, 8);
        if (len != file.size() - kWrapper)
          why = "truncated";
        else if (fnv1a(file.data() + kWrapper, len) != sum)
          why = "checksum mismatch";
      }
      if (why.empty()) {
        data.assign(file.begin() + kWrapper, file.end());
        why = check_cache_header(data, d);
      }
      if (why.empty()) {
        state_ = "loaded";
      } else {
        data.clear();
        state_ = "rejected: " + why;
        std::fprintf(stderr, "segrt: ignoring the pipeline cache %s: %s\n", path_.c_str(),
                     why.c_str());
      }
    }
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = data.size();
  ci.pInitialData = data.empty() ? nullptr : data.data();
  check(vkCreatePipelineCache(dev_, &ci, nullptr, &cache_), "creating the pipeline cache");
  loaded_bytes_ = data.size();
  if (!data.empty()) payload_bytes_ = data.size() - u32_at(data, 0);
  // A rejected file is rewritten at the next save even if every pipeline exists already.
  dirty_ = state_.rfind("rejected", 0) == 0;
}

PipelineCache::~PipelineCache() {
  vkDestroyPipelineCache(dev_, cache_, nullptr);
}

void PipelineCache::created() {
  ++created_;
  dirty_ = true;
}

bool PipelineCache::save() {
  if (path_.empty() || !dirty_) return false;
  dirty_ = false;
  size_t n = 0;
  std::vector<uint8_t> data;
  if (vkGetPipelineCacheData(dev_, cache_, &n, nullptr) != VK_SUCCESS) return false;
  data.resize(n);
  if (vkGetPipelineCacheData(dev_, cache_, &n, data.data()) != VK_SUCCESS) return false;
  data.resize(n);
  const uint64_t len = n, sum = fnv1a(data.data(), n);
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path_).parent_path(), ec);
  // Unique per process: several processes may save the same cache at once; rename is atomic.
  const std::string tmp = path_ + ".tmp" + std::to_string(::getpid());
  bool ok = false;
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (f) {
      f.write(kMagic, 8);
      f.write(reinterpret_cast<const char*>(&len), 8);
      f.write(reinterpret_cast<const char*>(&sum), 8);
      f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(n));
      ok = static_cast<bool>(f.flush());
    }
  }
  if (ok) fs::rename(tmp, path_, ec);
  if (!ok || ec) {
    fs::remove(tmp, ec);
    std::fprintf(stderr, "segrt: warning: cannot write the pipeline cache %s\n", path_.c_str());
    return false;
  }
  return true;
}

}  // namespace segrt::vk
