// Kernels for the runtime tests. Built at build time by nvcc into three
// images of the same code: a cubin (sm_90a), a PTX file (compute_90, JIT),
// and a fatbin (sm_90a code + compute_90 PTX); see tests/CMakeLists.txt.
// extern "C" keeps the names unmangled.

// y = a * x + y
extern "C" __global__ void saxpy(int n, float a, const float *x, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = a * x[i] + y[i];
}

// x += 1 (for graph replay: the count of replays shows in the data)
extern "C" __global__ void add_one(float *x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    x[i] += 1.0f;
}

// Writes far outside any allocation: an illegal-address fault.
extern "C" __global__ void oob_write(float *x, long long offset) {
  if (threadIdx.x == 0 && blockIdx.x == 0)
    x[offset] = 42.0f;
}

// Sums n floats through dynamic shared memory (n * 4 bytes of it), one block.
extern "C" __global__ void smem_sum(const float *x, float *out, int n) {
  extern __shared__ float buf[];
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    buf[i] = x[i];
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0.0f;
    for (int i = 0; i < n; ++i)
      s += buf[i];
    *out = s;
  }
}

// out[blockIdx.x] = rank of the block in its thread-block cluster (sm_90+).
extern "C" __global__ void cluster_rank(unsigned *out) {
  unsigned rank;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  if (threadIdx.x == 0)
    out[blockIdx.x] = rank;
}

// Busy-waits about `cycles` clock cycles (keeps a stream busy).
extern "C" __global__ void spin(long long cycles) {
  long long start = clock64();
  while (clock64() - start < cycles) {
  }
}
