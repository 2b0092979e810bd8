#include "apps/model_source.h"

#include <filesystem>

#include "graph/model_file.h"
#include "graph/models/zoo.h"

namespace segrt::app {

ModelSource open_model(const std::string& arg) {
  ModelSource m;
  const bool looks_like_file = arg.size() > 6 && arg.substr(arg.size() - 6) == ".segrt";
  if (looks_like_file || std::filesystem::is_regular_file(arg)) {
    ModelFile f = load_model(arg);
    m.spec = f.model();
    m.params = std::move(f.params);
    m.info = std::move(f.info);
    m.from_file = true;
    m.path = arg;
    parse_model_spec(m.spec);  // a file naming a model this build lacks is an error here
    return m;
  }
  m.spec = parse_model_spec(arg).spec();
  return m;
}

}  // namespace segrt::app
