// The SPIR-V capabilities every embedded shader declares: a module that declares one the
// device was not asked for breaks the Vulkan rules (validation layers report it, a strict
// driver may refuse the module). segrt asks only for 16-bit storage (fp16 variants) and subgroup
// shuffles (the *_shuffle shaders, used where Features::subgroup_shuffle says so).
#include <doctest/doctest.h>

#ifdef SEGRT_HAVE_VULKAN

#include <filesystem>
#include <set>
#include <string>

#include "runtime/vulkan/shaders.h"

namespace segrt::test {
namespace {

// SPIR-V enumerants (the SPIR-V specification, "Capability").
constexpr uint32_t kShader = 1, kGroupNonUniform = 61, kGroupNonUniformShuffle = 65,
                   kStorageBuffer16BitAccess = 4433;
constexpr uint32_t kOpCapability = 17, kMagic = 0x07230203;

// The module's capabilities; `ok` false when the words are not a well-formed SPIR-V stream.
std::set<uint32_t> capabilities(const vk::Spirv& s, bool& ok) {
  std::set<uint32_t> caps;
  ok = s.count > 5 && s.words[0] == kMagic;
  for (size_t i = 5; ok && i < s.count;) {
    const uint32_t n = s.words[i] >> 16, op = s.words[i] & 0xffff;
    ok = n >= 1 && i + n <= s.count;
    if (ok && op == kOpCapability) caps.insert(s.words[i + 1]);
    i += n;
  }
  return caps;
}

}  // namespace

TEST_CASE("vulkan shaders: each declares only the capabilities segrt enables for it") {
  const std::filesystem::path dir = std::filesystem::path(SEGRT_SOURCE_DIR) / "shaders";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".comp") continue;
    const std::string name = entry.path().stem().string();
    const bool shuffle = name.size() > 8 && name.ends_with("_shuffle");
    for (bool fp16 : {false, true}) {
      const std::string label = name + (fp16 ? " (fp16 storage)" : "");
      INFO(label);
      const vk::Spirv* s = vk::find_shader(name.c_str(), fp16);
      REQUIRE(s != nullptr);
      std::set<uint32_t> allowed = {kShader};
      if (fp16) allowed.insert(kStorageBuffer16BitAccess);
      if (shuffle) allowed.insert({kGroupNonUniform, kGroupNonUniformShuffle});
      bool ok = false;
      const std::set<uint32_t> caps = capabilities(*s, ok);
      CHECK(ok);
      for (uint32_t c : caps) {
        INFO("capability " << c);  // 9 Float16: a 16-bit constant or arithmetic slipped in
        CHECK(allowed.count(c) == 1);
      }
      ++seen;
    }
  }
  CHECK(seen >= 60);
}

}  // namespace segrt::test

#endif
