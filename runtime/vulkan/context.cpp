#include "runtime/vulkan/context.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "graph/ir.h"
#include "runtime/vulkan/check.h"
#include "runtime/vulkan/pipeline.h"
#include "runtime/vulkan/pipeline_cache.h"
#include "runtime/vulkan/quirks.h"
#include "runtime/vulkan/transfer.h"

namespace segrt::vk {
namespace {

// Threads for creating pipelines: SEGRT_VULKAN_COMPILE_THREADS, else one per hardware thread.
size_t compile_threads() {
  if (const char* e = std::getenv("SEGRT_VULKAN_COMPILE_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(e, &end, 10);
    if (end == e || *end != '\0' || n < 1 || n > 256)
      throw Error(std::string("SEGRT_VULKAN_COMPILE_THREADS='") + e +
                  "': expected a whole number of threads from 1 to 256");
    return static_cast<size_t>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

VkInstance create_instance() {
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "segrt";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  VkInstance inst = VK_NULL_HANDLE;
  check(vkCreateInstance(&ci, nullptr, &inst), "creating the instance");
  return inst;
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance inst) {
  uint32_t n = 0;
  check(vkEnumeratePhysicalDevices(inst, &n, nullptr), "listing devices");
  std::vector<VkPhysicalDevice> d(n);
  check(vkEnumeratePhysicalDevices(inst, &n, d.data()), "listing devices");
  d.resize(n);
  return d;
}

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

bool has_extension(VkPhysicalDevice pd, const char* name) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> e(n);
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, e.data());
  for (auto& x : e)
    if (std::strcmp(x.extensionName, name) == 0) return true;
  return false;
}

int compute_family(VkPhysicalDevice pd) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
  std::vector<VkQueueFamilyProperties> q(n);
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q.data());
  for (uint32_t i = 0; i < n; ++i)
    if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return static_cast<int>(i);
  return -1;
}

DeviceInfo describe(VkPhysicalDevice pd, int index) {
  VkPhysicalDeviceProperties p;
  vkGetPhysicalDeviceProperties(pd, &p);
  DeviceInfo d;
  d.index = index;
  d.name = p.deviceName;
  d.type = type_name(p.deviceType);
  d.api_version = p.apiVersion;
  d.driver_version = p.driverVersion;
  d.vendor_id = p.vendorID;
  d.device_id = p.deviceID;
  for (int i = 0; i < 3; ++i) d.max_workgroup_size[i] = p.limits.maxComputeWorkGroupSize[i];
  for (int i = 0; i < 3; ++i) d.max_workgroup_count[i] = p.limits.maxComputeWorkGroupCount[i];
  d.max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
  d.shared_memory_bytes = p.limits.maxComputeSharedMemorySize;
  d.min_storage_offset_alignment = static_cast<uint32_t>(p.limits.minStorageBufferOffsetAlignment);
  d.compute_queue = compute_family(pd) >= 0;
  std::memcpy(d.pipeline_cache_uuid, p.pipelineCacheUUID, VK_UUID_SIZE);
  VkPhysicalDeviceMemoryProperties mem;
  vkGetPhysicalDeviceMemoryProperties(pd, &mem);
  for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    if (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      d.device_local_bytes = std::max<uint64_t>(d.device_local_bytes, mem.memoryHeaps[i].size);
  if (p.apiVersion >= VK_API_VERSION_1_1) {
    VkPhysicalDeviceSubgroupProperties sg{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties m3{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, &sg};
    VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    // Driver properties are core in 1.2, an extension before.
    const bool drv_known = p.apiVersion >= VK_API_VERSION_1_2 ||
                           has_extension(pd, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);
    if (drv_known) sg.pNext = &drv;
    VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &m3};
    vkGetPhysicalDeviceProperties2(pd, &p2);
    d.subgroup_size = sg.subgroupSize;
    d.subgroup_arithmetic = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                            (sg.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    d.subgroup_shuffle = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                         (sg.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
    d.max_allocation_bytes = m3.maxMemoryAllocationSize;
    if (drv_known) {
      d.driver_id = static_cast<uint32_t>(drv.driverID);
      d.driver_name = drv.driverName;
    }
    VkPhysicalDevice16BitStorageFeatures s16{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceShaderFloat16Int8Features f16{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    // The float16 feature struct is core in 1.2, an extension before.
    const bool f16_known = p.apiVersion >= VK_API_VERSION_1_2 ||
                           has_extension(pd, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
    if (f16_known) s16.pNext = &f16;
    VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &s16};
    vkGetPhysicalDeviceFeatures2(pd, &f2);
    d.fp16_storage = s16.storageBuffer16BitAccess;
    d.fp16_arithmetic = f16_known && f16.shaderFloat16;
  }
  return d;
}

int type_rank(const std::string& t) {
  return t == "discrete" ? 0 : t == "integrated" ? 1 : t == "virtual" ? 2 : 3;
}

}  // namespace

int select_device(const std::vector<DeviceInfo>& devs) {
  std::string seen;
  for (auto& d : devs) seen += (seen.empty() ? "" : ", ") + std::to_string(d.index) + ": " + d.name;
  if (seen.empty()) seen = "none";
  const char* env = std::getenv("SEGRT_VULKAN_DEVICE");
  if (env && *env) {
    const std::string want = env;
    char* end = nullptr;
    long i = std::strtol(env, &end, 10);
    for (auto& d : devs) {
      const bool hit = *end == '\0' ? d.index == i : d.name.find(want) != std::string::npos;
      if (hit && d.compute_queue) return d.index;
    }
    throw Error("vulkan: SEGRT_VULKAN_DEVICE='" + want +
                "' matches no device with a compute "
                "queue (devices: " +
                seen + ")");
  }
  int best = -1;
  for (auto& d : devs)
    if (d.compute_queue && (best < 0 || type_rank(d.type) < type_rank(devs[best].type)))
      best = d.index;
  if (best < 0) throw Error("vulkan: no device with a compute queue (devices: " + seen + ")");
  return best;
}

std::string version_str(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

std::vector<DeviceInfo> list_devices() {
  VkInstance inst = create_instance();
  std::vector<DeviceInfo> r;
  try {
    auto pds = physical_devices(inst);
    for (size_t i = 0; i < pds.size(); ++i) r.push_back(describe(pds[i], static_cast<int>(i)));
  } catch (...) {
    vkDestroyInstance(inst, nullptr);
    throw;
  }
  vkDestroyInstance(inst, nullptr);
  return r;
}

std::shared_ptr<Context> Context::get() {
  static std::mutex m;
  static std::weak_ptr<Context> shared;
  std::lock_guard<std::mutex> lock(m);
  if (auto c = shared.lock()) return c;
  std::shared_ptr<Context> c(new Context());
  shared = c;
  return c;
}

Context::Context() {
  instance_ = create_instance();
  try {
    auto pds = physical_devices(instance_);
    std::vector<DeviceInfo> devs;
    for (size_t i = 0; i < pds.size(); ++i) devs.push_back(describe(pds[i], static_cast<int>(i)));
    const int i = select_device(devs);
    physical_ = pds[i];
    info_ = devs[i];
    queue_family_ = static_cast<uint32_t>(compute_family(physical_));
    vkGetPhysicalDeviceMemoryProperties(physical_, &mem_);
    const float prio = 1.0f;
    VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    q.queueFamilyIndex = queue_family_;
    q.queueCount = 1;
    q.pQueuePriorities = &prio;
    features_ = std::make_unique<Features>(features_from_env(info_));
    VkDeviceCreateInfo ci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    ci.queueCreateInfoCount = 1;
    ci.pQueueCreateInfos = &q;
    // 16-bit storage buffers for the fp16 shader variants, when segrt uses them (core in 1.1,
    // VK_KHR_16bit_storage before).
    VkPhysicalDevice16BitStorageFeatures s16{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    const char* ext16 = VK_KHR_16BIT_STORAGE_EXTENSION_NAME;
    if (features_->fp16_storage) {
      s16.storageBuffer16BitAccess = VK_TRUE;
      ci.pNext = &s16;
      if (info_.api_version < VK_API_VERSION_1_1) {
        ci.enabledExtensionCount = 1;
        ci.ppEnabledExtensionNames = &ext16;
      }
    }
    check(vkCreateDevice(physical_, &ci, nullptr, &device_),
          "creating the device on " + info_.name);
    vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
    cache_ = std::make_unique<PipelineCache>(
        device_, info_, features_->pipeline_cache ? pipeline_cache_dir() : std::string());
  } catch (...) {
    cache_.reset();
    if (device_) vkDestroyDevice(device_, nullptr);
    vkDestroyInstance(instance_, nullptr);
    throw;
  }
}

Context::~Context() {
  save_pipeline_cache();
  pipelines_.clear();
  transfer_.reset();
  cache_.reset();
  if (device_) vkDestroyDevice(device_, nullptr);
  vkDestroyInstance(instance_, nullptr);
}

const Pipeline& Context::pipeline(const std::string& shader, const std::vector<int32_t>& spec,
                                  bool fp16_storage, int32_t scratch_mask) {
  return *pipelines({{shader, spec, fp16_storage, scratch_mask}}).front();
}

std::vector<const Pipeline*> Context::pipelines(const std::vector<PipelineKey>& keys) {
  std::vector<PipelineKey> want = keys;
  for (PipelineKey& k : want) {
    if (k.fp16_storage && !features_->fp16_storage)
      throw Error("vulkan: fp16 storage is not available on " + info_.name);
    if (!k.fp16_storage) k.scratch_mask = 0;  // the fp32 variant reads every binding alike
  }
  std::lock_guard<std::mutex> lock(pipelines_mutex_);
  std::vector<const PipelineKey*> missing;
  for (const PipelineKey& k : want)
    if (!pipelines_.count(k) &&
        std::none_of(missing.begin(), missing.end(), [&](const PipelineKey* m) { return *m == k; }))
      missing.push_back(&k);

  std::vector<std::unique_ptr<Pipeline>> made(missing.size());
  std::vector<std::exception_ptr> failed(missing.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < missing.size();) {
      const PipelineKey& k = *missing[i];
      try {
        made[i] = std::make_unique<Pipeline>(device_, *cache_, k.shader, k.spec, k.fp16_storage,
                                             k.scratch_mask);
      } catch (...) {
        failed[i] = std::current_exception();
      }
    }
  };
  const size_t n_threads = std::min<size_t>(compile_threads(), missing.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n_threads; ++t) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  work();
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < missing.size(); ++i) {
    if (failed[i]) std::rethrow_exception(failed[i]);
    pipelines_[*missing[i]] = std::move(made[i]);
  }
  std::vector<const Pipeline*> out;
  for (const PipelineKey& k : want) out.push_back(pipelines_.at(k).get());
  return out;
}

void Context::save_pipeline_cache() {
  std::lock_guard<std::mutex> lock(pipelines_mutex_);
  cache_->save();
}

void Context::submit(uint32_t count, const VkSubmitInfo* info, VkFence fence,
                     const std::string& what) {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  check(vkQueueSubmit(queue_, count, info, fence), what);
}

Transfer& Context::transfer() {
  std::lock_guard<std::mutex> lock(transfer_mutex_);
  if (!transfer_) transfer_ = std::make_unique<Transfer>(*this);
  return *transfer_;
}

int Context::memory_type(uint32_t type_bits, VkMemoryPropertyFlags want) const {
  for (uint32_t i = 0; i < mem_.memoryTypeCount; ++i)
    if ((type_bits & (1u << i)) && (mem_.memoryTypes[i].propertyFlags & want) == want)
      return static_cast<int>(i);
  return -1;
}

}  // namespace segrt::vk
