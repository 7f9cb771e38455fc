"""fp4rt: ctypes bindings of the fp4 CUDA runtime (libfp4rt.so), for PyTorch
and numpy users.

    import torch, fp4rt
    ctx = fp4rt.Context(0)
    mod = ctx.load_module("kernels.fatbin")           # cubin / fatbin / PTX
    k = mod.kernel("saxpy")
    k.launch(grid=(4,), block=(256,),
             args=[fp4rt.i32(n), fp4rt.f32(2.0), x, y])  # x, y: CUDA tensors
    lib = fp4rt.CompiledLibrary("libmodel.so", ctx)  # generated host code
    lib.call("train_step", w, m, xb, yb, lr)         # tensors -> memrefs

Only the standard library is needed; torch and numpy are used when present.
The shared library is found through FP4RT_LIBRARY, next to this file, or
the system's search path. It is loaded with RTLD_GLOBAL so that compiled
libraries (which call the mgpu* functions) resolve against it.

Memref calling convention (what `llvm.emit_c_interface` generates):
``_mlir_ciface_NAME([Result *res,] A0 a0, A1 a1, ...)`` where each ranked
memref argument is passed as a pointer to its descriptor
``{T *allocated; T *aligned; int64 offset; int64 sizes[R]; int64 strides[R]}``
(strides in elements), scalars are passed by value, and a function with
results takes a pointer to the result struct as its first argument.
``memref(t)`` builds a descriptor from a torch tensor or numpy array.

Errors raise ``Fp4rtError`` (status name, and the runtime's message with the
failing CUDA call, the CUresult and, for launches, the kernel and module).
"""

import contextlib
import ctypes
import os
import weakref

__all__ = [
    "Fp4rtError", "NoDeviceError", "load_library", "available", "device_count",
    "device_props", "Context", "Module", "Kernel", "Buffer", "Stream", "Event",
    "Graph", "Program", "CompiledLibrary", "memref", "memref_type", "i32",
    "i64", "u32", "u64", "f32", "f64", "ptr", "set_sync_mode",
]

# Status codes (fp4rt.h).
SUCCESS = 0
ERROR_NO_DEVICE = 3
NOT_READY = 11
_STATUS_NAMES = {
    0: "FP4RT_SUCCESS", 1: "FP4RT_ERROR_INVALID_ARGUMENT",
    2: "FP4RT_ERROR_INVALID_HANDLE", 3: "FP4RT_ERROR_NO_DEVICE",
    4: "FP4RT_ERROR_CUDA", 5: "FP4RT_ERROR_LAUNCH", 6: "FP4RT_ERROR_NOT_FOUND",
    7: "FP4RT_ERROR_INVALID_IMAGE", 8: "FP4RT_ERROR_OUT_OF_MEMORY",
    9: "FP4RT_ERROR_INVALID_STATE", 10: "FP4RT_ERROR_IO", 11: "FP4RT_NOT_READY",
}

# Scalar kernel arguments: wrap Python numbers with these to fix their type.
i32, i64, u32, u64 = ctypes.c_int32, ctypes.c_int64, ctypes.c_uint32, ctypes.c_uint64
f32, f64 = ctypes.c_float, ctypes.c_double
ptr = ctypes.c_void_p


class Fp4rtError(RuntimeError):
    """A failed runtime call: .status (int), .status_name, .cuda_error."""

    def __init__(self, status, message, cuda_error=0):
        self.status = status
        self.status_name = _STATUS_NAMES.get(status, "FP4RT_ERROR_%d" % status)
        self.cuda_error = cuda_error
        super().__init__("%s: %s" % (self.status_name, message))


class NoDeviceError(Fp4rtError):
    """No NVIDIA driver, or no CUDA device (FP4RT_ERROR_NO_DEVICE)."""


class _DeviceProps(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char * 256), ("ordinal", ctypes.c_int),
        ("cc_major", ctypes.c_int), ("cc_minor", ctypes.c_int),
        ("sm_count", ctypes.c_int), ("max_threads_per_block", ctypes.c_int),
        ("max_shared_mem_per_block_optin", ctypes.c_int),
        ("l2_cache_bytes", ctypes.c_int), ("driver_version", ctypes.c_int),
        ("total_mem_bytes", ctypes.c_size_t),
    ]


class _LaunchConfig(ctypes.Structure):
    _fields_ = [
        ("grid", ctypes.c_uint * 3), ("block", ctypes.c_uint * 3),
        ("cluster", ctypes.c_uint * 3), ("shared_mem_bytes", ctypes.c_uint),
        ("stream", ctypes.c_void_p),
    ]


_lib = None
_H = ctypes.c_void_p  # every handle
_S = ctypes.c_int     # fp4rtStatus
_PROTOTYPES = {
    # name: (restype, argtypes)
    "fp4rtGetVersion": (ctypes.c_int, []),
    "fp4rtStatusString": (ctypes.c_char_p, [_S]),
    "fp4rtGetLastError": (ctypes.c_char_p, []),
    "fp4rtGetLastCudaError": (ctypes.c_int, []),
    "fp4rtSetSyncMode": (None, [ctypes.c_int]),
    "fp4rtGetSyncMode": (ctypes.c_int, []),
    "fp4rtGetDeviceCount": (_S, [ctypes.POINTER(ctypes.c_int)]),
    "fp4rtGetDeviceProps": (_S, [ctypes.c_int, ctypes.POINTER(_DeviceProps)]),
    "fp4rtContextCreate": (_S, [ctypes.c_int, ctypes.POINTER(_H)]),
    "fp4rtContextDestroy": (_S, [_H]),
    "fp4rtContextSynchronize": (_S, [_H]),
    "fp4rtModuleLoadData": (_S, [_H, ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.c_char_p, ctypes.POINTER(_H)]),
    "fp4rtModuleLoadFile": (_S, [_H, ctypes.c_char_p, ctypes.POINTER(_H)]),
    "fp4rtModuleUnload": (_S, [_H]),
    "fp4rtModuleGetKernel": (_S, [_H, ctypes.c_char_p, ctypes.POINTER(_H)]),
    "fp4rtLaunch": (_S, [_H, ctypes.POINTER(_LaunchConfig),
                         ctypes.POINTER(ctypes.c_void_p)]),
    "fp4rtBufferAlloc": (_S, [_H, ctypes.c_size_t, ctypes.POINTER(_H)]),
    "fp4rtBufferWrap": (_S, [_H, ctypes.c_uint64, ctypes.c_size_t,
                             ctypes.POINTER(_H)]),
    "fp4rtBufferFree": (_S, [_H]),
    "fp4rtBufferDevicePtr": (_S, [_H, ctypes.POINTER(ctypes.c_uint64)]),
    "fp4rtBufferSize": (_S, [_H, ctypes.POINTER(ctypes.c_size_t)]),
    "fp4rtBufferUpload": (_S, [_H, ctypes.c_size_t, ctypes.c_void_p,
                               ctypes.c_size_t, _H]),
    "fp4rtBufferDownload": (_S, [_H, ctypes.c_size_t, ctypes.c_void_p,
                                 ctypes.c_size_t, _H]),
    "fp4rtBufferMemset": (_S, [_H, ctypes.c_size_t, ctypes.c_uint8,
                               ctypes.c_size_t, _H]),
    "fp4rtStreamCreate": (_S, [_H, ctypes.POINTER(_H)]),
    "fp4rtStreamWrap": (_S, [_H, ctypes.c_void_p, ctypes.POINTER(_H)]),
    "fp4rtStreamDestroy": (_S, [_H]),
    "fp4rtStreamSynchronize": (_S, [_H]),
    "fp4rtStreamGetNative": (_S, [_H, ctypes.POINTER(ctypes.c_void_p)]),
    "fp4rtStreamWaitEvent": (_S, [_H, _H]),
    "fp4rtEventCreate": (_S, [_H, ctypes.c_int, ctypes.POINTER(_H)]),
    "fp4rtEventDestroy": (_S, [_H]),
    "fp4rtEventRecord": (_S, [_H, _H]),
    "fp4rtEventSynchronize": (_S, [_H]),
    "fp4rtEventElapsedMs": (_S, [_H, _H, ctypes.POINTER(ctypes.c_float)]),
    "fp4rtStreamBeginCapture": (_S, [_H, ctypes.c_int]),
    "fp4rtStreamEndCapture": (_S, [_H, ctypes.POINTER(_H)]),
    "fp4rtGraphReplay": (_S, [_H, _H, ctypes.c_int]),
    "fp4rtGraphNodeCount": (_S, [_H, ctypes.POINTER(ctypes.c_size_t)]),
    "fp4rtGraphDestroy": (_S, [_H]),
    "fp4rtBindStream": (_S, [_H, ctypes.c_int]),
    "fp4rtUnbindStream": (_S, []),
    "fp4rtCheckMgpuErrors": (_S, []),
    "fp4rtProgramCreate": (_S, [_H, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
                                ctypes.c_size_t, ctypes.POINTER(_H)]),
    "fp4rtProgramDestroy": (_S, [_H]),
    "fp4rtProgramSetArg": (_S, [_H, ctypes.c_int, _H, ctypes.c_size_t,
                                ctypes.c_int64, ctypes.c_int,
                                ctypes.POINTER(ctypes.c_int64),
                                ctypes.POINTER(ctypes.c_int64)]),
    "fp4rtProgramAllocArg": (_S, [_H, ctypes.c_int, ctypes.c_size_t, ctypes.c_int,
                                  ctypes.POINTER(ctypes.c_int64),
                                  ctypes.POINTER(_H)]),
    "fp4rtProgramRun": (_S, [_H, _H]),
    "fp4rtProgramCapture": (_S, [_H, _H]),
    "fp4rtProgramDropGraph": (_S, [_H]),
    "fp4rtProgramHasGraph": (_S, [_H, ctypes.POINTER(ctypes.c_int)]),
}


def _candidates():
    env = os.environ.get("FP4RT_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    # next to this file, and from an install tree (lib/fp4rt/python/fp4rt.py)
    for rel in ("libfp4rt.so", "../../libfp4rt.so"):
        yield os.path.join(here, rel)
    yield "libfp4rt.so.0"
    yield "libfp4rt.so"


def load_library(path=None):
    """Loads libfp4rt (once). Raises OSError if it cannot be found."""
    global _lib
    if _lib is not None:
        return _lib
    errors = []
    for cand in ([path] if path else _candidates()):
        if os.sep in cand and not os.path.exists(cand):
            continue
        try:
            lib = ctypes.CDLL(cand, mode=ctypes.RTLD_GLOBAL)
            break
        except OSError as e:
            errors.append("%s: %s" % (cand, e))
    else:
        raise OSError("libfp4rt not found (set FP4RT_LIBRARY): " + "; ".join(errors))
    for name, (res, args) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    _lib = lib
    return lib


def _check(status):
    if status == SUCCESS:
        return
    lib = load_library()
    msg = lib.fp4rtGetLastError().decode(errors="replace")
    cls = NoDeviceError if status == ERROR_NO_DEVICE else Fp4rtError
    raise cls(status, msg, lib.fp4rtGetLastCudaError())


def _call(name, *args):
    _check(getattr(load_library(), name)(*args))


def available():
    """(True, "") if a CUDA device is usable, else (False, reason)."""
    try:
        count = device_count()
    except (OSError, Fp4rtError) as e:
        return False, str(e)
    return (count > 0), ("" if count else "no CUDA device")


def device_count():
    n = ctypes.c_int(0)
    _call("fp4rtGetDeviceCount", ctypes.byref(n))
    return n.value


def device_props(device=0):
    """Dict: name, cc (major, minor), sm_count, total_mem_bytes, ..."""
    p = _DeviceProps()
    _call("fp4rtGetDeviceProps", device, ctypes.byref(p))
    return {
        "name": p.name.decode(), "ordinal": p.ordinal,
        "cc": (p.cc_major, p.cc_minor), "sm_count": p.sm_count,
        "max_threads_per_block": p.max_threads_per_block,
        "max_shared_mem_per_block_optin": p.max_shared_mem_per_block_optin,
        "l2_cache_bytes": p.l2_cache_bytes, "driver_version": p.driver_version,
        "total_mem_bytes": p.total_mem_bytes,
    }


def set_sync_mode(enabled):
    """FP4RT_SYNC at run time: synchronize and check after every launch."""
    load_library().fp4rtSetSyncMode(1 if enabled else 0)


# ---------------------------------------------------------------------------
# Arrays: torch tensors and numpy arrays
# ---------------------------------------------------------------------------

def _is_torch(x):
    return type(x).__module__.startswith("torch") and hasattr(x, "data_ptr")


def _is_numpy(x):
    return type(x).__module__ == "numpy" and hasattr(x, "__array_interface__")


def _array_info(x):
    """(data pointer, element size, shape, strides in elements, is_cuda)."""
    if _is_torch(x):
        return (x.data_ptr(), x.element_size(), tuple(x.shape), tuple(x.stride()),
                x.is_cuda)
    if _is_numpy(x):
        item = x.itemsize
        if any(s % item for s in x.strides):
            raise ValueError("numpy strides are not multiples of the item size")
        return (x.__array_interface__["data"][0], item, tuple(x.shape),
                tuple(s // item for s in x.strides), False)
    raise TypeError("expected a torch tensor or a numpy array, got %r" % type(x))


def _contiguous(shape, strides):
    expect = 1
    for size, stride in zip(reversed(shape), reversed(strides)):
        if size != 1 and stride != expect:
            return False
        expect *= size
    return True


_MEMREF_TYPES = {}


def memref_type(rank, elem=ctypes.c_void_p):
    """The ctypes Structure of a rank-`rank` memref descriptor."""
    key = (rank, elem)
    if key not in _MEMREF_TYPES:
        fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                  ("offset", ctypes.c_int64)]
        if rank:
            fields += [("sizes", ctypes.c_int64 * rank),
                       ("strides", ctypes.c_int64 * rank)]
        _MEMREF_TYPES[key] = type("MemRef%dD" % rank, (ctypes.Structure,),
                                  {"_fields_": fields})
    return _MEMREF_TYPES[key]


def memref(x, allow_strided=False):
    """A memref descriptor (ctypes Structure) viewing a torch tensor or numpy
    array; pass ``ctypes.byref(desc)`` (CompiledLibrary.call does it). The
    descriptor does not keep `x` alive: keep a reference while it is used.
    Functions compiled for identity-layout memrefs (``memref<?x?xf32>``)
    assume contiguous row-major data, so non-contiguous views are refused
    unless ``allow_strided`` (for ``strided<...>`` layouts)."""
    data, _, shape, strides, _ = _array_info(x)
    if not allow_strided and not _contiguous(shape, strides):
        raise ValueError("non-contiguous view %s with strides %s: call "
                         ".contiguous() or pass allow_strided=True"
                         % (shape, strides))
    desc = memref_type(len(shape))()
    desc.allocated = desc.aligned = data or None
    desc.offset = 0
    for i, (size, stride) in enumerate(zip(shape, strides)):
        desc.sizes[i], desc.strides[i] = size, stride
    return desc


# ---------------------------------------------------------------------------
# Runtime objects
# ---------------------------------------------------------------------------

class _Handle:
    """A runtime handle. Closing it (explicitly, or when garbage collected)
    destroys the runtime object; closing a parent (context, module, program)
    first invalidates the Python objects of its children, which the runtime
    destroys with it, so a stale Python object never touches a handle the
    runtime may have reused."""
    _destroy = None

    def __init__(self, handle, parent=None):
        self._h = handle
        self._parent = parent  # keeps the parent alive while this is used
        self._children = weakref.WeakSet()
        if parent is not None:
            parent._children.add(self)

    @property
    def handle(self):
        return self._h

    def _invalidate(self):
        for c in list(self._children):
            c._invalidate()
        self._h = None

    def close(self):
        if not self._h:
            return
        h = self._h
        for c in list(self._children):
            c._invalidate()
        self._h = None
        if self._destroy and _lib is not None:
            getattr(_lib, self._destroy)(h)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Context(_Handle):
    """The primary context of one device (shared with PyTorch)."""
    _destroy = "fp4rtContextDestroy"

    def __init__(self, device=0):
        h = _H()
        _call("fp4rtContextCreate", device, ctypes.byref(h))
        super().__init__(h)
        self.device = device

    def synchronize(self):
        _call("fp4rtContextSynchronize", self._h)

    def load_module(self, image, label=None):
        """A module from a path (str / os.PathLike) or bytes (cubin, fatbin
        or PTX; detected)."""
        h = _H()
        if isinstance(image, (bytes, bytearray)):
            buf = ctypes.create_string_buffer(bytes(image), len(image))
            _call("fp4rtModuleLoadData", self._h, buf, len(image),
                  (label or "<bytes>").encode(), ctypes.byref(h))
        else:
            _call("fp4rtModuleLoadFile", self._h, os.fspath(image).encode(),
                  ctypes.byref(h))
        return Module(h, self)

    def alloc(self, nbytes):
        h = _H()
        _call("fp4rtBufferAlloc", self._h, nbytes, ctypes.byref(h))
        return Buffer(h, self)

    def wrap(self, tensor_or_ptr, nbytes=None):
        """A non-owning Buffer over a CUDA tensor (or a raw device pointer and
        a size). The tensor must outlive the buffer."""
        if _is_torch(tensor_or_ptr):
            t = tensor_or_ptr
            if not t.is_cuda:
                raise ValueError("wrap needs a CUDA tensor")
            p = t.data_ptr()
            nbytes = t.untyped_storage().nbytes() - (t.storage_offset() * t.element_size()) \
                if nbytes is None else nbytes
        else:
            p = int(tensor_or_ptr)
            if nbytes is None:
                raise ValueError("wrap(ptr) needs nbytes")
        h = _H()
        _call("fp4rtBufferWrap", self._h, p, nbytes, ctypes.byref(h))
        b = Buffer(h, self)
        b._keep = tensor_or_ptr if _is_torch(tensor_or_ptr) else None
        return b

    def upload(self, array):
        """A new owned Buffer holding a copy of a numpy array / CPU tensor."""
        data, item, shape, strides, is_cuda = _array_info(array)
        if is_cuda or not _contiguous(shape, strides):
            raise ValueError("upload needs a contiguous host array")
        n = item
        for s in shape:
            n *= s
        b = self.alloc(n)
        b.upload(array)
        return b

    def stream(self):
        h = _H()
        _call("fp4rtStreamCreate", self._h, ctypes.byref(h))
        return Stream(h, self)

    def wrap_stream(self, cu_stream):
        """A Stream over a CUstream / torch.cuda.Stream (not destroyed)."""
        raw = getattr(cu_stream, "cuda_stream", cu_stream)
        h = _H()
        _call("fp4rtStreamWrap", self._h, ctypes.c_void_p(int(raw or 0)),
              ctypes.byref(h))
        return Stream(h, self)

    def torch_stream(self):
        """torch.cuda.current_stream() of this device, wrapped."""
        import torch
        return self.wrap_stream(torch.cuda.current_stream(self.device))

    def event(self, timing=False):
        h = _H()
        _call("fp4rtEventCreate", self._h, 1 if timing else 0, ctypes.byref(h))
        return Event(h, self)

    def program(self, library, function, num_args, result_bytes=0):
        h = _H()
        _call("fp4rtProgramCreate", self._h,
              None if library is None else os.fspath(library).encode(),
              function.encode(), num_args, result_bytes, ctypes.byref(h))
        return Program(h, self, num_args)


def _stream_handle(stream):
    if stream is None:
        return None
    if isinstance(stream, Stream):
        return stream._h
    raise TypeError("expected an fp4rt.Stream (use ctx.wrap_stream(s) for others)")


class Module(_Handle):
    _destroy = "fp4rtModuleUnload"

    def kernel(self, name):
        h = _H()
        _call("fp4rtModuleGetKernel", self._h, name.encode(), ctypes.byref(h))
        return Kernel(h, self, name)


def _kernel_arg(a):
    """A ctypes object for one kernel parameter."""
    if isinstance(a, ctypes._SimpleCData) or isinstance(a, ctypes.Structure):
        return a
    if isinstance(a, Buffer):
        return ctypes.c_void_p(a.ptr)
    if _is_torch(a):
        if not a.is_cuda:
            raise ValueError("a CPU tensor cannot be a kernel argument")
        return ctypes.c_void_p(a.data_ptr())
    if isinstance(a, float):
        return ctypes.c_float(a)
    if isinstance(a, bool) or not isinstance(a, int):
        raise TypeError("kernel argument %r: wrap scalars (fp4rt.i32(...), "
                        "fp4rt.f32(...)) or pass a Buffer / CUDA tensor" % (a,))
    return ctypes.c_int32(a)


class Kernel(_Handle):
    def __init__(self, handle, module, name):
        super().__init__(handle, module)
        self.name = name

    def launch(self, grid, block, args, shared_mem=0, stream=None, cluster=None):
        """Launches with `args`: Buffers / CUDA tensors (device pointers),
        ctypes scalars (i32(...), f32(...)); bare floats are f32, bare ints
        i32. `stream`: an fp4rt.Stream (None = legacy default stream)."""
        cfg = _LaunchConfig()
        for i, v in enumerate((tuple(grid) + (1, 1))[:3]):
            cfg.grid[i] = v
        for i, v in enumerate((tuple(block) + (1, 1))[:3]):
            cfg.block[i] = v
        if cluster:
            for i, v in enumerate((tuple(cluster) + (1, 1))[:3]):
                cfg.cluster[i] = v
        cfg.shared_mem_bytes = shared_mem
        cfg.stream = _stream_handle(stream)
        values = [_kernel_arg(a) for a in args]
        params = (ctypes.c_void_p * max(1, len(values)))(
            *[ctypes.addressof(v) for v in values])
        _call("fp4rtLaunch", self._h, ctypes.byref(cfg), params)


class Buffer(_Handle):
    """Device memory (owned, or wrapping a tensor's)."""
    _destroy = "fp4rtBufferFree"

    @property
    def ptr(self):
        p = ctypes.c_uint64()
        _call("fp4rtBufferDevicePtr", self._h, ctypes.byref(p))
        return p.value

    @property
    def nbytes(self):
        n = ctypes.c_size_t()
        _call("fp4rtBufferSize", self._h, ctypes.byref(n))
        return n.value

    def upload(self, array, offset=0, stream=None):
        data, item, shape, strides, is_cuda = _array_info(array)
        if is_cuda or not _contiguous(shape, strides):
            raise ValueError("upload needs a contiguous host array")
        n = item
        for s in shape:
            n *= s
        _call("fp4rtBufferUpload", self._h, offset, data, n, _stream_handle(stream))

    def download(self, out, offset=0, stream=None):
        """Copies into a contiguous host array `out` (numpy / CPU tensor)."""
        data, item, shape, strides, is_cuda = _array_info(out)
        if is_cuda or not _contiguous(shape, strides):
            raise ValueError("download needs a contiguous host array")
        n = item
        for s in shape:
            n *= s
        _call("fp4rtBufferDownload", self._h, offset, data, n, _stream_handle(stream))
        return out

    def memset(self, value=0, offset=0, nbytes=None, stream=None):
        n = self.nbytes - offset if nbytes is None else nbytes
        _call("fp4rtBufferMemset", self._h, offset, value, n, _stream_handle(stream))


class Stream(_Handle):
    _destroy = "fp4rtStreamDestroy"

    @property
    def native(self):
        p = ctypes.c_void_p()
        _call("fp4rtStreamGetNative", self._h, ctypes.byref(p))
        return p.value or 0

    def synchronize(self):
        _call("fp4rtStreamSynchronize", self._h)

    def wait(self, event):
        _call("fp4rtStreamWaitEvent", self._h, event._h)

    @contextlib.contextmanager
    def capture(self, mode=0):
        """with s.capture() as g: ... ; g.graph then replays it. Generated code
        called inside the block is recorded too."""
        _call("fp4rtStreamBeginCapture", self._h, mode)
        holder = _CaptureResult()
        try:
            yield holder
        finally:
            h = _H()
            status = _lib.fp4rtStreamEndCapture(self._h, ctypes.byref(h))
        _check(status)
        holder.graph = Graph(h, self._parent)

    @contextlib.contextmanager
    def bind(self, asynchronous=True):
        """Generated code called inside the block runs on this stream
        (asynchronous: enqueued in order, no host synchronization)."""
        _call("fp4rtBindStream", self._h, 1 if asynchronous else 0)
        try:
            yield self
        finally:
            _lib.fp4rtUnbindStream()


class _CaptureResult:
    graph = None


class Event(_Handle):
    _destroy = "fp4rtEventDestroy"

    def record(self, stream=None):
        _call("fp4rtEventRecord", self._h, _stream_handle(stream))

    def synchronize(self):
        _call("fp4rtEventSynchronize", self._h)

    def elapsed_ms(self, end):
        ms = ctypes.c_float()
        _call("fp4rtEventElapsedMs", self._h, end._h, ctypes.byref(ms))
        return ms.value


class Graph(_Handle):
    _destroy = "fp4rtGraphDestroy"

    def replay(self, stream, count=1):
        _call("fp4rtGraphReplay", self._h, _stream_handle(stream), count)

    @property
    def node_count(self):
        n = ctypes.c_size_t()
        _call("fp4rtGraphNodeCount", self._h, ctypes.byref(n))
        return n.value


class Program(_Handle):
    """A compiled graph entry point with resident arguments (fp4rt.h)."""
    _destroy = "fp4rtProgramDestroy"

    def __init__(self, handle, ctx, num_args):
        super().__init__(handle, ctx)
        self.num_args = num_args
        self._bound = {}

    def bind(self, index, x, buffer=None):
        """Binds argument `index` to a CUDA tensor (wrapped; keep it alive)
        or to a Buffer with the shape/strides of `x` when given."""
        if isinstance(x, Buffer):
            raise TypeError("bind(index, tensor) or bind(index, like, buffer=)")
        _, item, shape, strides, is_cuda = _array_info(x)
        if buffer is None:
            if not is_cuda:
                raise ValueError("bind a CUDA tensor, or pass buffer=")
            buffer = self._parent.wrap(x)
        rank = len(shape)
        sizes = (ctypes.c_int64 * max(1, rank))(*shape)
        st = (ctypes.c_int64 * max(1, rank))(*strides)
        _call("fp4rtProgramSetArg", self._h, index, buffer._h, item, 0, rank,
              sizes, st)
        self._bound[index] = (x, buffer)
        return buffer

    def alloc(self, index, shape, elem_bytes=4):
        """A resident buffer owned by the program (weights, optimizer state,
        fixed-address batch staging)."""
        rank = len(shape)
        sizes = (ctypes.c_int64 * max(1, rank))(*shape)
        h = _H()
        _call("fp4rtProgramAllocArg", self._h, index, elem_bytes, rank, sizes,
              ctypes.byref(h))
        b = Buffer(h, self)
        b._destroy = None  # freed with the program
        return b

    def run(self, stream=None):
        _call("fp4rtProgramRun", self._h, _stream_handle(stream))

    def capture(self, stream):
        _call("fp4rtProgramCapture", self._h, _stream_handle(stream))

    def drop_graph(self):
        _call("fp4rtProgramDropGraph", self._h)

    @property
    def has_graph(self):
        v = ctypes.c_int()
        _call("fp4rtProgramHasGraph", self._h, ctypes.byref(v))
        return bool(v.value)


# ---------------------------------------------------------------------------
# Compiled libraries (generated host code)
# ---------------------------------------------------------------------------

_SCALARS = {float: ctypes.c_float, int: ctypes.c_int64, bool: ctypes.c_bool}


class CompiledLibrary:
    """A shared library of compiler-generated host code (objects from the
    fp4 compiler / mlir-translate + llc, linked with -lfp4rt).

    ``call(name, *args, result=None, stream=None)`` calls
    ``_mlir_ciface_<name>``: tensors / arrays become memref descriptors (by
    pointer), Python floats f32, ints i64 (MLIR `index`), ctypes scalars pass
    as they are. ``result`` is a ctypes Structure instance (e.g.
    ``memref_type(1)()``) for functions with results; it is passed first.
    ``stream`` (an fp4rt.Stream, e.g. ``ctx.torch_stream()``) binds the
    generated code to it asynchronously: the call enqueues its work there
    and returns; without it the call is synchronous. mgpu failures raise.
    """

    def __init__(self, path, ctx=None):
        load_library()
        self.path = os.fspath(path)
        self.ctx = ctx
        self._lib = ctypes.CDLL(self.path, mode=ctypes.RTLD_LOCAL)
        _check(_lib.fp4rtCheckMgpuErrors())  # module loads in constructors

    def function(self, name):
        sym = name if name.startswith("_mlir_ciface_") else "_mlir_ciface_" + name
        try:
            fn = getattr(self._lib, sym)
        except AttributeError:
            raise Fp4rtError(6, "no symbol %s in %s (compiled with "
                             "llvm.emit_c_interface?)" % (sym, self.path))
        fn.restype = None
        return fn

    def call(self, name, *args, result=None, stream=None, allow_strided=False):
        fn = self.function(name)
        keep, cargs = [], []
        if result is not None:
            cargs.append(ctypes.byref(result))
        for a in args:
            if _is_torch(a) or _is_numpy(a):
                d = memref(a, allow_strided=allow_strided)
                keep.append((a, d))
                cargs.append(ctypes.byref(d))
            elif isinstance(a, ctypes.Structure):
                cargs.append(ctypes.byref(a))
            elif isinstance(a, ctypes._SimpleCData):
                cargs.append(a)
            elif type(a) in _SCALARS:
                cargs.append(_SCALARS[type(a)](a))
            else:
                raise TypeError("argument %r: expected a tensor, array, memref "
                                "descriptor or scalar" % (a,))
        if stream is not None:
            _call("fp4rtBindStream", _stream_handle(stream), 1)
        try:
            fn(*cargs)
        finally:
            if stream is not None:
                _lib.fp4rtUnbindStream()
        _check(_lib.fp4rtCheckMgpuErrors())
        return result
