// TEMPORARY until the op families land; delete on merge (together with _pending_shapes.cpp and
// the calls in tests/zoo/pending_ops.h).
#pragma once

namespace segrt {

// Registers shape-only definitions (name, arity, shape inference) of the ops the zoo uses and
// that are not registered yet. Idempotent. Called by the zoo tests only, after the operator
// suite's coverage check has run, because these ops have no kernels and no cases.
void register_pending_shape_ops();

}  // namespace segrt
