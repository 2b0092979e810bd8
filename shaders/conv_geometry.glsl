// The geometry every convolution shader takes as specialisation constants 0-5, in the order
// geometry_spec() in runtime/vulkan/lower_conv.cpp writes them: kernel size, stride and
// dilation (rows, columns). The lowering always sets all six.
layout(constant_id = 0) const int KH = 1;
layout(constant_id = 1) const int KW = 1;
layout(constant_id = 2) const int SH = 1;
layout(constant_id = 3) const int SW = 1;
layout(constant_id = 4) const int DH = 1;
layout(constant_id = 5) const int DW = 1;
