#include "runtime/train/schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numbers>
#include <optional>
#include <vector>

#include "graph/ir.h"

namespace segrt {

Goal parse_goal(const std::string& s) {
  if (s == "min") return Goal::Min;
  if (s == "max") return Goal::Max;
  throw Error("mode must be min or max, got '" + s + "'");
}

const char* goal_name(Goal m) {
  return m == Goal::Min ? "min" : "max";
}

bool improves(Goal mode, double value, double best, double min_delta) {
  return mode == Goal::Min ? value < best - min_delta : value > best + min_delta;
}

namespace {

double worst(Goal m) {
  return m == Goal::Min ? HUGE_VAL : -HUGE_VAL;
}

// Shortest text that reads back as the same double.
std::string num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The "k=v,k=v" part of a spec, checked against the keys its owner accepts.
class KeyValues {
 public:
  KeyValues(std::string owner, const std::string& text, std::vector<std::string> accepted)
      : owner_(std::move(owner)), accepted_(std::move(accepted)) {
    if (trim(text).empty()) return;
    size_t pos = 0;
    while (pos <= text.size()) {
      const size_t comma = std::min(text.find(',', pos), text.size());
      const std::string item = trim(text.substr(pos, comma - pos));
      pos = comma + 1;
      const size_t eq = item.find('=');
      if (eq == std::string::npos)
        throw err("expected key=value, got '" + item + "'" + accepted_list());
      const std::string k = trim(item.substr(0, eq)), v = trim(item.substr(eq + 1));
      if (std::find(accepted_.begin(), accepted_.end(), k) == accepted_.end())
        throw err("unknown key '" + k + "'" + accepted_list());
      if (v.empty()) throw err("key '" + k + "' has no value");
      if (!kv_.emplace(k, v).second) throw err("key '" + k + "' given twice");
    }
  }

  double real(const std::string& k, std::optional<double> def = std::nullopt) const {
    auto it = kv_.find(k);
    if (it == kv_.end()) return need(k, def);
    const std::string& s = it->second;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v))
      throw err(k + " must be a number, got '" + s + "'");
    return v;
  }

  int integer(const std::string& k, std::optional<int> def = std::nullopt) const {
    auto it = kv_.find(k);
    if (it == kv_.end()) return need(k, def);
    const std::string& s = it->second;
    int v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      throw err(k + " must be an integer, got '" + s + "'");
    return v;
  }

  std::string word(const std::string& k, const std::string& def) const {
    auto it = kv_.find(k);
    return it == kv_.end() ? def : it->second;
  }

  Error err(const std::string& what) const { return Error(owner_ + ": " + what); }

 private:
  template <typename V>
  V need(const std::string& k, std::optional<V> def) const {
    if (def) return *def;
    throw err("needs " + k + "=<value>");
  }
  std::string accepted_list() const {
    if (accepted_.empty()) return " (it takes no keys)";
    std::string r = " (accepted:";
    for (auto& a : accepted_) r += " " + a;
    return r + ")";
  }

  std::string owner_;
  std::vector<std::string> accepted_;
  std::map<std::string, std::string> kv_;
};

}  // namespace

// ---- schedules --------------------------------------------------------------------------

LrSchedule::LrSchedule(double base_lr) : base_(base_lr) {
  if (!(base_lr > 0) || !std::isfinite(base_lr))
    throw Error("learning rate must be a positive number, got " + num(base_lr));
}

void LrSchedule::check_epoch(int epoch) {
  if (epoch < 0) throw Error("lr schedule: epoch must be >= 0, got " + std::to_string(epoch));
}

double ConstantLr::lr(int epoch) {
  check_epoch(epoch);
  return base_;
}
std::string ConstantLr::describe() const {
  return "const";
}

StepLr::StepLr(double base_lr, int step_size, double gamma)
    : LrSchedule(base_lr), size_(step_size), gamma_(gamma) {
  if (step_size < 1) throw Error("step: size must be >= 1, got " + std::to_string(step_size));
  if (!(gamma > 0)) throw Error("step: gamma must be > 0, got " + num(gamma));
}
double StepLr::lr(int epoch) {
  check_epoch(epoch);
  return base_ * std::pow(gamma_, epoch / size_);
}
std::string StepLr::describe() const {
  return "step:size=" + std::to_string(size_) + ",gamma=" + num(gamma_);
}

ExponentialLr::ExponentialLr(double base_lr, double gamma) : LrSchedule(base_lr), gamma_(gamma) {
  if (!(gamma > 0)) throw Error("exp: gamma must be > 0, got " + num(gamma));
}
double ExponentialLr::lr(int epoch) {
  check_epoch(epoch);
  return base_ * std::pow(gamma_, epoch);
}
std::string ExponentialLr::describe() const {
  return "exp:gamma=" + num(gamma_);
}

CosineLr::CosineLr(double base_lr, int t_max, double eta_min)
    : LrSchedule(base_lr), t_max_(t_max), eta_min_(eta_min) {
  if (t_max < 1) throw Error("cosine: tmax must be >= 1, got " + std::to_string(t_max));
  if (!(eta_min >= 0) || eta_min > base_lr)
    throw Error("cosine: min must be in [0, base lr " + num(base_lr) + "], got " + num(eta_min));
}
double CosineLr::lr(int epoch) {
  check_epoch(epoch);
  if (epoch >= t_max_) return eta_min_;
  const double c = std::cos(std::numbers::pi * double(epoch) / double(t_max_));
  return eta_min_ + (base_ - eta_min_) * (1 + c) / 2;
}
std::string CosineLr::describe() const {
  return "cosine:tmax=" + std::to_string(t_max_) + ",min=" + num(eta_min_);
}

PlateauLr::PlateauLr(double base_lr, PlateauOptions o)
    : LrSchedule(base_lr), o_(o), current_(base_lr), best_(worst(o.mode)) {
  if (!(o.factor > 0 && o.factor < 1))
    throw Error("plateau: factor must be in (0, 1), got " + num(o.factor));
  if (o.patience < 0) throw Error("plateau: patience must be >= 0");
  if (o.cooldown < 0) throw Error("plateau: cooldown must be >= 0");
  if (!(o.min_lr >= 0)) throw Error("plateau: min must be >= 0, got " + num(o.min_lr));
  if (!(o.min_delta >= 0)) throw Error("plateau: delta must be >= 0, got " + num(o.min_delta));
}

double PlateauLr::lr(int epoch) {
  check_epoch(epoch);
  return current_;
}

void PlateauLr::observe(double v) {
  const bool cooling = cooldown_left_ > 0;
  if (cooling) {
    --cooldown_left_;
    wait_ = 0;
  }
  if (improves(o_.mode, v, best_, o_.min_delta)) {
    best_ = v;
    wait_ = 0;
    return;
  }
  if (cooling) return;
  if (++wait_ < o_.patience) return;
  const double next = std::max(current_ * o_.factor, o_.min_lr);
  if (next < current_) {
    current_ = next;
    ++reductions_;
    cooldown_left_ = o_.cooldown;
  }
  wait_ = 0;
}

std::string PlateauLr::describe() const {
  return "plateau:factor=" + num(o_.factor) + ",patience=" + std::to_string(o_.patience) +
         ",min=" + num(o_.min_lr) + ",mode=" + goal_name(o_.mode) + ",delta=" + num(o_.min_delta) +
         ",cooldown=" + std::to_string(o_.cooldown);
}

std::unique_ptr<LrSchedule> make_schedule(const std::string& spec, double base_lr) {
  const std::string s = trim(spec);
  const size_t colon = s.find(':');
  const std::string name = trim(s.substr(0, colon));
  const std::string rest = colon == std::string::npos ? "" : s.substr(colon + 1);
  const std::string owner = "lr schedule '" + name + "'";
  if (name == "const" || name == "constant") {
    KeyValues kv(owner, rest, {});
    return std::make_unique<ConstantLr>(base_lr);
  }
  if (name == "step") {
    KeyValues kv(owner, rest, {"size", "gamma"});
    return std::make_unique<StepLr>(base_lr, kv.integer("size"), kv.real("gamma", 0.1));
  }
  if (name == "exp" || name == "exponential") {
    KeyValues kv(owner, rest, {"gamma"});
    return std::make_unique<ExponentialLr>(base_lr, kv.real("gamma"));
  }
  if (name == "cosine") {
    KeyValues kv(owner, rest, {"tmax", "min"});
    return std::make_unique<CosineLr>(base_lr, kv.integer("tmax"), kv.real("min", 0.0));
  }
  if (name == "plateau" || name == "reduce_on_plateau") {
    KeyValues kv(owner, rest, {"factor", "patience", "min", "mode", "delta", "cooldown"});
    PlateauOptions o;
    o.factor = kv.real("factor", o.factor);
    o.patience = kv.integer("patience", o.patience);
    o.min_lr = kv.real("min", o.min_lr);
    o.mode = parse_goal(kv.word("mode", "min"));
    o.min_delta = kv.real("delta", o.min_delta);
    o.cooldown = kv.integer("cooldown", o.cooldown);
    return std::make_unique<PlateauLr>(base_lr, o);
  }
  throw Error("unknown lr schedule '" + name + "' in '" + spec +
              "' (known: const, step:size=N[,gamma=G], exp:gamma=G, cosine:tmax=N[,min=LR], "
              "plateau[:factor=F,patience=N,min=LR,mode=min|max,delta=D,cooldown=N])");
}

// ---- early stopping ---------------------------------------------------------------------

EarlyStopping::EarlyStopping(int patience, Goal mode, double min_delta)
    : patience_(patience), mode_(mode), min_delta_(min_delta), best_(worst(mode)) {
  if (patience < 0) throw Error("early stopping: patience must be >= 0");
  if (!(min_delta >= 0)) throw Error("early stopping: delta must be >= 0, got " + num(min_delta));
}

EarlyStopping EarlyStopping::parse(const std::string& spec) {
  KeyValues kv("early stopping", spec, {"patience", "mode", "delta"});
  return EarlyStopping(kv.integer("patience"), parse_goal(kv.word("mode", "min")),
                       kv.real("delta", 0.0));
}

bool EarlyStopping::update(double value) {
  const int epoch = epochs_++;
  if (improves(mode_, value, best_, min_delta_)) {
    best_ = value;
    best_epoch_ = epoch;
    wait_ = 0;
    return true;
  }
  ++wait_;
  return false;
}

std::string EarlyStopping::describe() const {
  return "patience=" + std::to_string(patience_) + ",mode=" + goal_name(mode_) +
         ",delta=" + num(min_delta_);
}

}  // namespace segrt
