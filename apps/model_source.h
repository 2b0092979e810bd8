// MODEL arguments: a zoo spec ("oru-net:residual=1") or a .segrt file.
#pragma once

#include <map>
#include <string>

#include "graph/init.h"
#include "graph/ir.h"

namespace segrt::app {

struct ModelSource {
  std::string spec;                         // zoo spec (from the file's metadata for files)
  ParamStore params;                        // trained values; empty for a zoo spec
  std::map<std::string, std::string> info;  // a file's training state
  bool from_file = false;
  std::string path;  // the file, when from_file
  int info_int(const std::string& k, int def) const {
    auto it = info.find(k);
    if (it == info.end()) return def;
    try {
      size_t used = 0;
      int v = std::stoi(it->second, &used);
      if (used == it->second.size()) return v;
    } catch (const std::exception&) {
    }
    throw Error(path + ": metadata '" + k + "' is not an integer: '" + it->second + "'");
  }
  double info_real(const std::string& k, double def) const {
    auto it = info.find(k);
    if (it == info.end()) return def;
    try {
      size_t used = 0;
      double v = std::stod(it->second, &used);
      if (used == it->second.size()) return v;
    } catch (const std::exception&) {
    }
    throw Error(path + ": metadata '" + k + "' is not a number: '" + it->second + "'");
  }
  std::string info_str(const std::string& k, const std::string& def) const {
    auto it = info.find(k);
    return it == info.end() ? def : it->second;
  }
};

ModelSource open_model(const std::string& arg);

}  // namespace segrt::app
