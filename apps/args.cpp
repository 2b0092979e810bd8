#include "apps/args.h"

#include <climits>
#include <cstdio>

namespace segrt::app {

const OptSpec* Args::spec(const std::string& k) const {
  for (auto& o : opts_)
    if (o.name == k) return &o;
  return nullptr;
}

bool Args::parse(const std::vector<std::string>& argv) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(usage().c_str(), stdout);
      return false;
    }
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      pos_.push_back(a);
      continue;
    }
    std::string key = a.substr(2), val;
    bool inline_val = false;
    if (auto eq = key.find('='); eq != std::string::npos) {
      val = key.substr(eq + 1);
      key = key.substr(0, eq);
      inline_val = true;
    }
    const OptSpec* s = spec(key);
    if (!s) throw Error(command_ + ": unknown option --" + key + " (see " + command_ + " --help)");
    if (s->value.empty()) {
      if (inline_val) throw Error(command_ + ": --" + key + " takes no value");
      flags_.insert(key);
      continue;
    }
    if (!inline_val) {
      if (i + 1 >= argv.size()) throw Error(command_ + ": --" + key + " needs a value");
      val = argv[++i];
    }
    vals_[key].push_back(val);
  }
  return true;
}

std::string Args::usage() const {
  std::string u = "usage: " + synopsis_ + "\n\noptions:\n";
  for (auto& o : opts_) {
    std::string left = "  --" + o.name + (o.value.empty() ? "" : " " + o.value);
    if (left.size() < 28)
      left.resize(28, ' ');
    else
      left += "\n" + std::string(28, ' ');
    u += left + o.help + (o.def.empty() ? "" : " (default " + o.def + ")") + "\n";
  }
  u += "  --help                    this text\n";
  return u;
}

std::string Args::str(const std::string& k) const {
  auto it = vals_.find(k);
  if (it != vals_.end()) return it->second.back();
  const OptSpec* s = spec(k);
  return s ? s->def : "";
}

std::vector<std::string> Args::all(const std::string& k) const {
  auto it = vals_.find(k);
  return it == vals_.end() ? std::vector<std::string>{} : it->second;
}

int Args::integer(const std::string& k) const {
  std::string v = str(k);
  try {
    size_t used = 0;
    long r = std::stol(v, &used);
    if (used == v.size() && r >= INT_MIN && r <= INT_MAX) return static_cast<int>(r);
  } catch (const std::exception&) {
  }
  throw Error(command_ + ": --" + k + " expects an integer, got '" + v + "'");
}

int Args::integer(const std::string& k, int min) const {
  const int v = integer(k);
  if (v < min)
    throw Error(command_ + ": --" + k + " must be at least " + std::to_string(min) + ", got " +
                std::to_string(v));
  return v;
}

double Args::real(const std::string& k) const {
  std::string v = str(k);
  try {
    size_t used = 0;
    double r = std::stod(v, &used);
    if (used == v.size()) return r;
  } catch (const std::exception&) {
  }
  throw Error(command_ + ": --" + k + " expects a number, got '" + v + "'");
}

namespace {
// A positive int spelt with digits only ("64"; not "64x3", "1e3", "+6" or " 6"), else 0.
int positive(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoi(s);
}
}  // namespace

std::pair<int, int> Args::size(const std::string& k) const {
  std::string v = str(k);
  auto x = v.find('x');
  const int h = positive(v.substr(0, x));
  const int w = x == std::string::npos ? h : positive(v.substr(x + 1));
  if (h > 0 && w > 0) return {h, w};
  throw Error(command_ + ": --" + k + " expects HxW (e.g. 128x128), got '" + v + "'");
}

}  // namespace segrt::app
