// Workgroup tree sum for shaders of WG_SIZE invocations (a power of two): every invocation
// passes its vec3 and gets the workgroup's total. A fixed tree, so the result is the same on
// every run (no atomics). Call it from uniform control flow only (it holds barriers).
#ifndef WG_SIZE
#define WG_SIZE 256
#endif

shared vec3 wg_sum_s[WG_SIZE];

vec3 wg_sum(vec3 v) {
  const uint t = gl_LocalInvocationID.x;
  wg_sum_s[t] = v;
  memoryBarrierShared();
  barrier();
  for (uint s = WG_SIZE / 2; s > 0; s >>= 1) {
    if (t < s) wg_sum_s[t] += wg_sum_s[t + s];
    memoryBarrierShared();
    barrier();
  }
  const vec3 r = wg_sum_s[0];
  barrier();  // the next call overwrites wg_sum_s
  return r;
}

// Index of this workgroup when the host spreads more than 65535 groups over y.
int wg_index() {
  return int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
}
