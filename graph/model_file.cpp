#include "graph/model_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace segrt {

static_assert(std::endian::native == std::endian::little,
              "model files store little-endian floats; big-endian hosts need byte swapping");

using json = nlohmann::json;

namespace {

constexpr const char* kFormat = "segrt";
constexpr const char* kVersion = "1";
constexpr uint64_t kMaxHeader = uint64_t(1) << 30;

Error file_error(const std::string& path, const std::string& what) {
  return Error(path + ": " + what);
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Writes all of `data` to fd, or throws.
void write_all(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw file_error(path, std::string("write failed: ") + std::strerror(errno));
    data += w;
    n -= size_t(w);
  }
}

}  // namespace

// ---- safetensors ---------------------------------------------------------------------------

void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  uint64_t offset = 0;
  for (auto& [name, t] : tensors) {  // std::map: sorted by name, offsets ascending
    if (name == "__metadata__") throw file_error(path, "a tensor may not be named __metadata__");
    if (int64_t(t.data.size()) != numel(t.shape))
      throw file_error(path, "tensor '" + name + "' has " + std::to_string(t.data.size()) +
                                 " values for shape " + shape_str(t.shape));
    uint64_t bytes = t.data.size() * sizeof(float);
    header[name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  uint64_t hlen = h.size();

  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    throw file_error(path, std::string("cannot create a temporary file: ") + std::strerror(errno));
  try {
    write_all(fd, reinterpret_cast<const char*>(&hlen), 8, path);
    write_all(fd, h.data(), h.size(), path);
    for (auto& [name, t] : tensors)
      write_all(fd, reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float),
                path);
    if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0)
      throw file_error(path, std::string("fsync failed: ") + std::strerror(errno));
    if (::close(fd) != 0) {
      fd = -1;
      throw file_error(path, std::string("close failed: ") + std::strerror(errno));
    }
    fd = -1;
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw file_error(path, std::string("rename failed: ") + std::strerror(errno));
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  // Make the rename itself durable.
  int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

Safetensors read_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw file_error(path, std::string("cannot open (") + std::strerror(errno) + ")");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) throw file_error(path, "too short for a safetensors file");
  uint64_t hlen;
  std::memcpy(&hlen, bytes.data(), 8);
  if (hlen > kMaxHeader || hlen > bytes.size() - 8)
    throw file_error(path, "header length " + std::to_string(hlen) + " exceeds the file (" +
                               std::to_string(bytes.size()) +
                               " bytes): not a safetensors file, or truncated");
  json header;
  try {
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + int64_t(hlen));
  } catch (const json::exception& e) {
    throw file_error(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw file_error(path, "header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - hlen;
  const char* data = bytes.data() + 8 + hlen;

  Safetensors r;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [name, e] : header.items()) {
    if (name == "__metadata__") {
      if (!e.is_object()) throw file_error(path, "__metadata__ is not an object");
      for (auto& [k, v] : e.items()) {
        if (!v.is_string()) throw file_error(path, "__metadata__." + k + " is not a string");
        r.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& what) {
      return file_error(path, "tensor '" + name + "': " + what);
    };
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") ||
        !e.contains("data_offsets"))
      throw bad("needs dtype, shape and data_offsets");
    if (e["dtype"] != "F32")
      throw bad("dtype " + e["dtype"].dump() + " is not supported (only F32)");
    Tensor t;
    if (!e["shape"].is_array()) throw bad("shape is not an array");
    for (auto& d : e["shape"]) {
      if (!d.is_number_unsigned())
        throw bad("shape " + e["shape"].dump() + " is not a list of sizes");
      t.shape.push_back(d.get<int64_t>());
    }
    auto& off = e["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      throw bad("data_offsets must be two byte offsets");
    uint64_t b = off[0], end = off[1];
    if (b > end) throw bad("data_offsets " + off.dump() + " are reversed");
    if (end > data_size)
      throw bad("data_offsets " + off.dump() + " reach past the end of the data (" +
                std::to_string(data_size) + " bytes): truncated or corrupt file");
    uint64_t n = uint64_t(numel(t.shape));
    if (end - b != n * sizeof(float))
      throw bad("data_offsets " + off.dump() + " do not hold shape " + shape_str(t.shape) +
                " in F32");
    t.data.resize(n);
    std::memcpy(t.data.data(), data + b, end - b);
    ranges.push_back({b, end});
    r.tensors[name] = std::move(t);
  }
  // The tensors must tile the data exactly: no overlap, no gap, nothing after the last one.
  std::sort(ranges.begin(), ranges.end());
  uint64_t at = 0;
  for (auto& [b, e] : ranges) {
    if (b != at)
      throw file_error(path,
                       "tensor data ranges overlap or leave a gap at byte " + std::to_string(at));
    at = e;
  }
  if (at != data_size)
    throw file_error(path, std::to_string(data_size - at) + " bytes after the last tensor");
  return r;
}

// ---- graph IR ------------------------------------------------------------------------------

namespace {

json attr_json(const AttrValue& v) {
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::string>(&v)) return *p;
  return std::get<std::vector<int64_t>>(v);
}

AttrValue attr_value(const json& j, const std::string& key) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_float()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    std::vector<int64_t> r;
    for (auto& x : j) {
      if (!x.is_number_integer())
        throw Error("graph: attribute '" + key + "' is not an integer list");
      r.push_back(x.get<int64_t>());
    }
    return r;
  }
  throw Error("graph: attribute '" + key + "' has an unsupported type");
}

ValueKind kind_from(const std::string& s) {
  for (ValueKind k : {ValueKind::Input, ValueKind::Param, ValueKind::State, ValueKind::Activation})
    if (s == kind_name(k)) return k;
  throw Error("graph: unknown value kind '" + s + "'");
}

DType dtype_from(const std::string& s) {
  if (s == dtype_name(DType::F32)) return DType::F32;
  if (s == dtype_name(DType::F16)) return DType::F16;
  throw Error("graph: unknown dtype '" + s + "'");
}

}  // namespace

std::string graph_to_json(const Graph& g) {
  json values = json::array(), nodes = json::array();
  for (const Value& v : g.values()) {
    json j = {{"kind", kind_name(v.kind)}, {"shape", v.shape}, {"dtype", dtype_name(v.dtype)}};
    if (!v.name.empty()) j["name"] = v.name;
    if (v.kind == ValueKind::Param || v.kind == ValueKind::State) {
      j["init"] = {{"kind", v.init.kind},
                   {"value", v.init.value},
                   {"fan_in", v.init.fan_in},
                   {"fan_out", v.init.fan_out}};
      j["l2"] = v.l2;
    }
    if (v.producer >= 0) j["producer"] = v.producer;
    values.push_back(std::move(j));
  }
  for (const Node& n : g.nodes()) {
    json attrs = json::object();
    for (auto& [k, v] : n.attrs.all()) attrs[k] = attr_json(v);
    json j = {{"op", n.op}, {"inputs", n.inputs}, {"outputs", n.outputs}, {"attrs", attrs}};
    if (!n.name.empty()) j["name"] = n.name;
    nodes.push_back(std::move(j));
  }
  return json{{"values", values},
              {"nodes", nodes},
              {"inputs", g.inputs()},
              {"outputs", g.outputs()},
              {"meta", g.meta}}
      .dump();
}

Graph graph_from_json(const std::string& text) {
  Graph g;
  try {
    json j = json::parse(text);
    const json& values = j.at("values");
    const json& nodes = j.at("nodes");
    // Replaying values in id order reproduces every id: standalone values are created one by
    // one, and a node creates all its outputs together when its first output comes up.
    size_t next_node = 0;
    for (size_t id = 0; id < values.size(); ++id) {
      const json& v = values[id];
      ValueKind kind = kind_from(v.at("kind").get<std::string>());
      Shape shape = v.at("shape").get<Shape>();
      std::string name = v.value("name", "");
      int got;
      if (kind == ValueKind::Activation) {
        if (int(id) < int(g.values().size())) {
          got = int(id);  // created with its node
        } else {
          int producer = v.at("producer").get<int>();
          if (producer != int(next_node))
            throw Error("value " + std::to_string(id) + " comes from node " +
                        std::to_string(producer) + ", expected node " + std::to_string(next_node));
          const json& n = nodes.at(next_node++);
          Attrs attrs;
          for (auto& [k, a] : n.at("attrs").items()) attrs.set(k, attr_value(a, k));
          auto outs = g.add(n.at("op").get<std::string>(), n.at("inputs").get<std::vector<int>>(),
                            attrs, n.value("name", ""));
          if (outs != n.at("outputs").get<std::vector<int>>())
            throw Error("node " + std::to_string(producer) + " (" + n.at("op").get<std::string>() +
                        ") does not produce the recorded outputs");
          got = outs.at(0);
        }
      } else if (kind == ValueKind::Input) {
        got = g.add_input(name, shape);
      } else {
        const json& in = v.at("init");
        Init init{.kind = in.at("kind").get<std::string>(),
                  .value = in.at("value").get<double>(),
                  .fan_in = in.at("fan_in").get<int64_t>(),
                  .fan_out = in.at("fan_out").get<int64_t>()};
        got = g.add_param(name, shape, init, kind == ValueKind::Param, v.at("l2").get<bool>());
      }
      if (got != int(id)) throw Error("value ids do not replay (" + std::to_string(id) + ")");
      Value& val = g.value(got);
      if (val.shape != shape)
        throw Error("value " + std::to_string(id) + (name.empty() ? "" : " '" + name + "'") +
                    ": shape inference gives " + shape_str(val.shape) + ", the file records " +
                    shape_str(shape));
      val.dtype = dtype_from(v.at("dtype").get<std::string>());
      if (kind == ValueKind::Activation && !name.empty()) g.set_name(got, name);
    }
    if (next_node != nodes.size()) throw Error("nodes without outputs in the file");
    if (j.at("inputs").get<std::vector<int>>() != g.inputs())
      throw Error("the input list does not match");
    for (int o : j.at("outputs").get<std::vector<int>>()) {
      if (o < 0 || o >= int(g.values().size())) throw Error("output id out of range");
      g.add_output(o);
    }
    g.meta = j.at("meta").get<std::map<std::string, std::string>>();
  } catch (const json::exception& e) {
    throw Error(std::string("graph JSON: ") + e.what());
  } catch (const Error& e) {
    throw Error(std::string("graph JSON: ") + e.what());
  }
  return g;
}

// ---- model files ---------------------------------------------------------------------------

std::string ModelFile::model() const {
  auto it = graph.meta.find("model");
  return it == graph.meta.end() ? "" : it->second;
}

static bool reserved(const std::string& k) {
  return k == "format" || k == "version" || k == "model" || k == "graph";
}

void save_model(const std::string& path, const Graph& g, const ParamStore& params,
                const std::map<std::string, std::string>& info, const TensorMap& extra) {
  try {
    check_params(g, params, /*allow_extra=*/true);
  } catch (const Error& e) {
    throw file_error(path, e.what());
  }
  TensorMap t;
  for (const Value& v : g.values())
    if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
      t[v.name] = Tensor{v.shape, params.at(v.name)};
  for (auto& [name, x] : extra) {
    if (t.count(name))
      throw file_error(path, "extra tensor '" + name + "' collides with a parameter");
    t[name] = x;
  }
  std::map<std::string, std::string> meta;
  for (auto& [k, v] : info) {
    if (reserved(k)) throw file_error(path, "info key '" + k + "' is reserved");
    meta[k] = v;
  }
  meta["format"] = kFormat;
  meta["version"] = kVersion;
  auto m = g.meta.find("model");
  meta["model"] = m == g.meta.end() ? "" : m->second;
  meta["graph"] = graph_to_json(g);
  write_safetensors(path, t, meta);
}

ModelFile load_model(const std::string& path) {
  Safetensors s = read_safetensors(path);
  auto get = [&](const char* k) {
    auto it = s.metadata.find(k);
    return it == s.metadata.end() ? std::string() : it->second;
  };
  if (get("format") != kFormat)
    throw file_error(path, "not a segrt model file (no __metadata__ format=segrt)");
  if (get("version") != kVersion)
    throw file_error(path, "model file version '" + get("version") +
                               "' is not supported (this build reads " + kVersion + ")");
  ModelFile mf;
  try {
    mf.graph = graph_from_json(get("graph"));
  } catch (const Error& e) {
    throw file_error(path, e.what());
  }
  for (auto& [k, v] : s.metadata)
    if (!reserved(k)) mf.info[k] = v;
  for (auto& [name, t] : s.tensors) {
    int id = mf.graph.find(name);
    bool is_param = id >= 0 && (mf.graph.value(id).kind == ValueKind::Param ||
                                mf.graph.value(id).kind == ValueKind::State);
    if (!is_param) {
      mf.extra[name] = std::move(t);
      continue;
    }
    if (t.shape != mf.graph.value(id).shape)
      throw file_error(path, "tensor '" + name + "' has shape " + shape_str(t.shape) +
                                 ", the graph says " + shape_str(mf.graph.value(id).shape));
    mf.params[name] = std::move(t.data);
  }
  try {
    check_params(mf.graph, mf.params);
  } catch (const Error& e) {
    throw file_error(path, e.what());
  }
  return mf;
}

}  // namespace segrt
