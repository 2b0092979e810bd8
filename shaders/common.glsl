// Shared by every segrt compute shader: one push-constant block describing shapes as strided
// index maps, gid() for 1-D work spread over a 2-D grid, and (unless the shader declares its own
// with SEGRT_CUSTOM_BUFFERS) three storage buffers, two inputs and one output, at bindings 0-2;
// unused ones alias the output. SEGRT_CUSTOM_WORKGROUP: the shader sets its own local size.
// fp16 storage convention: tensor buffers hold `sfloat` / `sfloat4`, read as float(x[i]) /
// vec4(x4[i]), written SF(v) / SF4(v); plain fp32 unless SEGRT_FP16_STORAGE says otherwise.
#ifndef SEGRT_FP16_STORAGE
#define sfloat float
#define sfloat4 vec4
#define SF(v) (v)
#define SF4(v) (v)
#endif

#ifndef SEGRT_CUSTOM_WORKGROUP
layout(local_size_x = 64) in;
#endif

#ifndef SEGRT_CUSTOM_BUFFERS
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
#endif

layout(push_constant) uniform Params {
  int n;        // invocations needed (output elements)
  int rank;     // axes in dims/sa/sb; 0 = a, b and o are the same flat shape
  int red;      // reduce: elements summed per output
  float alpha;  // scalar attribute (fill value, scale, leaky slope)
  int dims[6];  // output dims
  int sa[6];    // stride of a per output axis (0 along broadcast axes)
  int sb[6];    // stride of b per output axis; reduce: stride of a per reduced axis
  int rdims[6]; // reduce: reduced dims
  int ex[4];    // more shape words
} p;

// Flat invocation index: the host spreads more than 65535 groups over y (the x limit every
// device guarantees).
int gid() {
  return int(gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x +
             gl_GlobalInvocationID.x);
}

// Offset into a tensor with strides `s` of output element `flat`.
#define SEGRT_OFFSET(flat, s, result)           \
  {                                             \
    int f_ = (flat);                            \
    result = 0;                                 \
    for (int i_ = p.rank - 1; i_ >= 0; --i_) {  \
      result += (f_ % p.dims[i_]) * s[i_];      \
      f_ /= p.dims[i_];                         \
    }                                           \
  }
