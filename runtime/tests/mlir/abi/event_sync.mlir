// ABI probe: a synchronous wait on a token that is not a stream (a function
// argument) becomes mgpuEventSynchronize + mgpuEventDestroy.
module attributes {gpu.container_module} {
func.func @g(%t: !gpu.async.token) {
  gpu.wait [%t]
  return
}
}
