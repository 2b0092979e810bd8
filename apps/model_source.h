// MODEL arguments: a zoo spec ("oru-net:residual=1") or a .segrt file.
#pragma once

#include <map>
#include <string>

#include "graph/init.h"

namespace segrt::app {

struct ModelSource {
  std::string spec;                         // zoo spec (from the file's metadata for files)
  ParamStore params;                        // trained values; empty for a zoo spec
  std::map<std::string, std::string> info;  // a file's training state
  bool from_file = false;
  int info_int(const std::string& k, int def) const {
    auto it = info.find(k);
    return it == info.end() ? def : std::stoi(it->second);
  }
  std::string info_str(const std::string& k, const std::string& def) const {
    auto it = info.find(k);
    return it == info.end() ? def : it->second;
  }
};

ModelSource open_model(const std::string& arg);

}  // namespace segrt::app
