#include "graph/training.h"

#include <algorithm>
#include <sstream>

#include "graph/autodiff.h"

namespace segrt {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> r;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      r.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  r.push_back(cur);
  return r;
}

double to_num(const std::string& v, const std::string& ctx) {
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return d;
  } catch (const std::exception&) {
    throw Error(ctx + ": '" + v + "' is not a number");
  }
}

// "kind:k=v,k=v" -> kind and numeric attributes.
std::pair<std::string, Attrs> kind_and_attrs(const std::string& text, const std::string& ctx) {
  auto colon = text.find(':');
  std::string kind = text.substr(0, colon);
  Attrs a;
  if (colon != std::string::npos)
    for (auto& kv : split(text.substr(colon + 1), ',')) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) throw Error(ctx + ": expected key=value, got '" + kv + "'");
      a.set(kv.substr(0, eq), to_num(kv.substr(eq + 1), ctx));
    }
  return {kind, a};
}

}  // namespace

LossSpec LossSpec::parse(const std::string& text) {
  static const std::vector<std::string> kinds = {
      "bce", "dice", "dice_sq", "log_dice", "focal", "tversky", "focal_tversky", "ce", "mdice"};
  LossSpec spec;
  for (auto& part : split(text, '+')) {
    Term t;
    std::string body = part;
    auto star = part.find('*');
    if (star != std::string::npos) {
      t.weight = to_num(part.substr(0, star), "loss '" + text + "'");
      body = part.substr(star + 1);
    }
    std::tie(t.kind, t.attrs) = kind_and_attrs(body, "loss '" + text + "'");
    if (std::find(kinds.begin(), kinds.end(), t.kind) == kinds.end())
      throw Error("unknown loss '" + t.kind +
                  "' (bce, dice, dice_sq, log_dice, focal, tversky, focal_tversky, ce, mdice)");
    spec.terms.push_back(t);
  }
  return spec;
}

std::string LossSpec::str() const {
  std::ostringstream os;
  for (size_t i = 0; i < terms.size(); ++i) {
    os << (i ? "+" : "");
    if (terms[i].weight != 1) os << terms[i].weight << "*";
    os << terms[i].kind;
    if (!terms[i].attrs.all().empty()) os << "{" << terms[i].attrs.str() << "}";
  }
  return os.str();
}

OptimSpec OptimSpec::parse(const std::string& text) {
  OptimSpec o;
  std::tie(o.kind, o.attrs) = kind_and_attrs(text, "optimizer '" + text + "'");
  if (o.kind != "sgd" && o.kind != "adam" && o.kind != "adamw")
    throw Error("unknown optimizer '" + o.kind + "' (sgd, adam, adamw)");
  return o;
}

std::string OptimSpec::str() const {
  std::string s = kind;
  if (!attrs.all().empty()) s += "{" + attrs.str() + "}";
  return s;
}

int add_loss(Graph& g, int logits, int target, const std::string& activation,
             const LossSpec& loss) {
  int total = -1;
  for (auto& term : loss.terms) {
    Attrs a = term.attrs;
    a.set("kind", term.kind);
    // Cross-entropy and multi-class Dice are defined on softmax probabilities.
    a.set("activation",
          term.kind == "ce" || term.kind == "mdice" ? std::string("softmax") : activation);
    int l = g.add1("seg_loss", {logits, target}, a, "loss." + term.kind);
    if (term.weight != 1) l = g.add1("scale", {l}, {{"s", term.weight}});
    total = total < 0 ? l : g.add1("add", {total, l});
  }
  if (total < 0) throw Error("training: the loss has no terms");
  return total;
}

TrainGraph add_training(Graph& g, int logits, const std::string& activation, const LossSpec& loss,
                        const OptimSpec& optim) {
  TrainGraph t;
  t.target = g.add_input("target", g.value(logits).shape);
  t.hyper = g.add_input("hyper", {2});
  t.loss = add_loss(g, logits, t.target, activation, loss);
  g.set_name(t.loss, "loss");

  const std::vector<int> params = g.params();
  int one = g.add1("fill", {}, {{"shape", Shape{1}}, {"value", 1.0}});
  auto grads = add_backward(g, {{t.loss, one}}, params);

  for (int p : params) {
    auto it = grads.find(p);
    if (it == grads.end()) continue;  // a parameter the loss does not depend on
    const Value pv = g.value(p);
    const std::string base = "optim." + pv.name;
    // The spec's wd becomes the update op's weight_decay (the ops know no "wd").
    Attrs a;
    for (auto& [k, v] : optim.attrs.all())
      if (k != "wd") a.set(k, v);
    double wd = optim.attrs.f("wd", 0.0);
    // Keras' L2(l) adds l * sum(w^2) to the loss: its gradient 2 l w is coupled weight decay.
    if (pv.l2 && optim.l2 > 0) wd += 2 * optim.l2;
    a.set("weight_decay", wd);
    int upd;
    if (optim.kind == "sgd") {
      int buf = g.add_param(base + ".momentum", pv.shape, Init{}, false);
      upd = g.add1("sgd_update", {p, it->second, buf, t.hyper}, a, "update." + pv.name);
    } else {
      int m = g.add_param(base + ".m", pv.shape, Init{}, false);
      int v = g.add_param(base + ".v", pv.shape, Init{}, false);
      if (optim.kind == "adamw") {
        // Decoupled decay applies to every parameter at the optimizer's rate.
        a.set("weight_decay", optim.attrs.f("wd", 1e-2));
        a.set("decoupled", int64_t(1));
      }
      upd = g.add1("adam_update", {p, it->second, m, v, t.hyper}, a, "update." + pv.name);
    }
    t.updates.push_back(upd);
  }
  return t;
}

}  // namespace segrt
