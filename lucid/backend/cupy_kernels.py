"""CuPy's side of the fused primitives in :mod:`lucid.backend.fused`: one kernel launch each.

On a GPU a small op costs its launch (15-20 us each on an H200, measured),
not its arithmetic, so an update that NumPy does as ten ufunc calls is one
``ElementwiseKernel`` here, and a reduction of a product is one
``ReductionKernel`` (no full-size temporary for the product).  Each kernel is
written as the same formula as the NumPy path in ``fused.py``, line for line,
so the two read side by side; they agree to float rounding (the GPU compiler
may fuse a multiply and an add into one FMA).

CuPy is imported inside the functions, so importing this module (as
``fused.py`` does) never loads CuPy: ``import lucid`` does not need it.  CuPy
compiles each kernel on first use (about a second each) and keeps the
binary in its on-disk cache (``~/.cupy/kernel_cache``), so later runs start
fast.

Checked without a GPU: ``LUCID_FAKE_CUPY=1 pytest -m gpu`` runs every kernel
here through ``tests/fake_cupy`` (the same snippets compiled with g++, under
CuPy's calling rules), and ``tests/fake_cupy/nvcc_check.py`` compiles them
as CUDA with nvcc.
"""
from __future__ import annotations

import functools

# flag bits shared by the kernels and their callers
MAXIMIZE, WEIGHT_DECAY, DECOUPLED, FIRST, NESTEROV = 1, 2, 4, 8, 16


def expit(x):
    """The logistic sigmoid in one kernel (CuPy's own ``expit``: exact 0 and 1 far out, no overflow)."""
    import cupyx.scipy.special

    return cupyx.scipy.special.expit(x)


def empty_like(array):
    """An uninitialised CuPy array like ``array``."""
    import cupy

    return cupy.empty_like(array)


@functools.cache
def _sigmoid_grad_kernel():
    import cupy

    return cupy.ElementwiseKernel("T g, T y", "T gx", "gx = g * y * ((T)1 - y);", "lucid_sigmoid_grad")


def sigmoid_grad(g, y):
    """``g * y * (1 - y)`` in one launch (three as array operations)."""
    return _sigmoid_grad_kernel()(g, y)


@functools.cache
def _relu_grad_kernel():
    import cupy

    # y is 0, positive or NaN; NaN passes g, as in PyTorch (NaN != 0 is true)
    return cupy.ElementwiseKernel("T g, T y", "T gx", "gx = (y != (T)0) ? g : (T)0;", "lucid_relu_grad")


def relu_grad(g, y):
    """``g`` where ``y != 0``, else 0, in one launch (three as array operations)."""
    return _relu_grad_kernel()(g, y)


@functools.cache
def _sum_of_product_kernel():
    import cupy

    # inputs x, w: the names a and b belong to the reduction expression
    return cupy.ReductionKernel("T x, T w", "T y", "x * w", "a + b", "y = a", "0", "lucid_sum_of_product")


def sum_of_product(a, b, axis, keepdims):
    """``sum(a * b, axis)`` in one pass that reads ``a`` and ``b`` once and writes only the sums."""
    if b.shape != a.shape:
        import cupy

        b = cupy.broadcast_to(b, a.shape)  # a view: stride 0 along the stretched axes
    return _sum_of_product_kernel()(a, b, axis=axis, keepdims=keepdims)


# SGD: d = +-g (+ wd p);  buf = d (first step) or mu buf + (1 - tau) d;  u = d + mu buf (Nesterov) or buf;
# p -= lr u.  Without momentum there is no buffer, so that is a kernel of its own.
_SGD_DIRECTION = """
T d = (flags & 1) ? -g : g;
if (flags & 2) d = d + wd * p;
"""


@functools.cache
def _sgd_kernel(momentum: bool):
    import cupy

    if not momentum:
        return cupy.ElementwiseKernel("T g, T lr, T wd, int32 flags", "T p",
                                      _SGD_DIRECTION + "p = p - lr * d;", "lucid_sgd_step")
    body = _SGD_DIRECTION + """
if (flags & 8) buf = d; else buf = buf * mu + damp1 * d;
T u = (flags & 16) ? d + mu * buf : buf;
p = p - lr * u;
"""
    return cupy.ElementwiseKernel("T g, T lr, T wd, T mu, T damp1, int32 flags", "T p, T buf", body,
                                  "lucid_sgd_momentum_step")


def sgd_step(p, g, buf, lr, wd, mu, damp1, flags):
    """One SGD update of ``p`` (and ``buf``) in place: one kernel launch."""
    t = p.dtype.type
    if buf is None:
        _sgd_kernel(False)(g, t(lr), t(wd), flags, p)
    else:
        _sgd_kernel(True)(g, t(lr), t(wd), t(mu), t(damp1), flags, p, buf)


# Adam / AdamW: g = +-g;  p *= 1 - lr wd (decoupled) or g += wd p (L2);  m += (1 - b1)(g - m);
# v = b2 v + (1 - b2) g^2;  (amsgrad: vmax = max(vmax, v), used for v);  p -= lr_t m / (sqrt(v) / c2 + eps)
_ADAM_BODY = """
T gg = (flags & 1) ? -g : g;
if (flags & 4) p = p * decay;
else if (flags & 2) gg = gg + wd * p;
m = m + b1c * (gg - m);
v = v * b2 + b2c * (gg * gg);
T vv = v;
{amsgrad}
p = p - step_size * (m / (sqrt(vv) / c2 + eps));
"""
_AMSGRAD = "vmax = (v > vmax || v != v) ? v : vmax; vv = vmax;  /* NaN wins, as in numpy.maximum */"


@functools.cache
def _adam_kernel(amsgrad: bool):
    import cupy

    outs = "T p, T m, T v, T vmax" if amsgrad else "T p, T m, T v"
    return cupy.ElementwiseKernel("T g, T step_size, T b1c, T b2, T b2c, T c2, T eps, T wd, T decay, int32 flags",
                                  outs, _ADAM_BODY.replace("{amsgrad}", _AMSGRAD if amsgrad else ""),
                                  "lucid_adam_amsgrad_step" if amsgrad else "lucid_adam_step")


def adam_step(p, g, m, v, vmax, step_size, b1c, b2, b2c, c2, eps, wd, decay, flags):
    """One Adam/AdamW update of ``p``, ``m``, ``v`` (and ``vmax``) in place: one kernel launch."""
    t = p.dtype.type
    scalars = (t(step_size), t(b1c), t(b2), t(b2c), t(c2), t(eps), t(wd), t(decay), flags)
    if vmax is None:
        _adam_kernel(False)(g, *scalars, p, m, v)
    else:
        _adam_kernel(True)(g, *scalars, p, m, v, vmax)


# Normalisation (batch norm, layer norm): the two full-size passes of forward and of backward, each one kernel.
@functools.cache
def _normalize_affine_kernel():
    import cupy

    return cupy.ElementwiseKernel("T x, T mean, T inv_std, T w, T b", "T xhat, T y",
                                  "xhat = (x - mean) * inv_std; y = xhat * w + b;", "lucid_normalize_affine")


def normalize_affine(x, mean, inv_std, w, b):
    """``xhat = (x - mean) * inv_std`` and ``y = xhat * w + b`` in one pass (outputs laid out like ``x``)."""
    import cupy

    xhat, y = cupy.empty_like(x), cupy.empty_like(x)
    _normalize_affine_kernel()(x, mean, inv_std, w, b, xhat, y)
    return xhat, y


@functools.cache
def _normalize_input_grad_kernel():
    import cupy

    return cupy.ElementwiseKernel("T g, T xhat, T a, T k1, T k2", "T gx",
                                  "gx = g * a - xhat * k1 - k2;", "lucid_normalize_input_grad")


def normalize_input_grad(g, xhat, a, k1, k2):
    """``g * a - xhat * k1 - k2`` in one pass (laid out like ``g``)."""
    import cupy

    gx = cupy.empty_like(g)
    _normalize_input_grad_kernel()(g, xhat, a, k1, k2, gx)
    return gx


# Batch norm's small per-channel steps, each one launch on (C,)-sized arrays (several launches as array ops).
@functools.cache
def _inverse_std_kernel():
    import cupy

    return cupy.ElementwiseKernel("T v, T eps", "T s", "s = (T)1 / sqrt(v + eps);", "lucid_inverse_std")


def inverse_std(var, eps):
    """``1 / sqrt(var + eps)`` in one launch."""
    return _inverse_std_kernel()(var, var.dtype.type(eps))


@functools.cache
def _running_average_kernel():
    import cupy

    return cupy.ElementwiseKernel("T v, T scale, U keep, U mom", "U buf", "buf = buf * keep + (U)(v * scale) * mom;",
                                  "lucid_running_average")


def running_average(buffer, value, momentum, scale):
    """``buffer = buffer * (1 - momentum) + (value * scale) * momentum`` in place, in one launch."""
    t, u = value.dtype.type, buffer.dtype.type
    _running_average_kernel()(value, t(scale), u(1.0 - momentum), u(momentum), buffer)


@functools.cache
def _centered_square_kernel():
    import cupy

    return cupy.ElementwiseKernel("T x, T mu", "T y", "const T d = x - mu; y = d * d;", "lucid_centered_square")


@functools.cache
def _centered_square_sum_kernel():
    import cupy

    return cupy.ReductionKernel("T x, T mu", "T y", "(x - mu) * (x - mu)", "a + b", "y = a", "0",
                                "lucid_centered_square_sum")


def centered_square(x, mean):
    """``(x - mean) ** 2`` in one launch, laid out like ``x``."""
    import cupy

    y = cupy.empty_like(x)
    _centered_square_kernel()(x, mean, y)
    return y


def centered_square_sum(x, mean, axis, keepdims):
    """``sum((x - mean) ** 2, axis)`` in one pass with no full-size temporary."""
    import cupy

    return _centered_square_sum_kernel()(x, cupy.broadcast_to(mean, x.shape), axis=axis, keepdims=keepdims)


@functools.cache
def _normalize_grad_coefficients_kernel():
    import cupy

    return cupy.ElementwiseKernel("T s, T w, T sum_gx, T sum_g, T m", "T a, T k1, T k2",
                                  "a = s * w; k1 = a * (sum_gx / m); k2 = a * (sum_g / m);",
                                  "lucid_normalize_grad_coefficients")


def normalize_grad_coefficients(inv_std, weight, sum_gx, sum_g, m):
    """Batch norm backward's ``a = s w``, ``k1 = a sum_gx / m``, ``k2 = a sum_g / m`` in one launch."""
    return _normalize_grad_coefficients_kernel()(inv_std, weight, sum_gx, sum_g, inv_std.dtype.type(m))


def _for_each_window_covering(body: str) -> str:
    """CUDA loop: ``body`` once per tap ``(a, b)`` whose window (at output ``(r, s)``) covers input ``(row, col)``.

    The gather form of a window sum's adjoint (col2im, max pooling's
    backward): taps in (kernel row, kernel column) order, the order in which the
    NumPy paths add them.
    """
    return """
for (ptrdiff_t a = 0; a < KH; ++a) {
    ptrdiff_t r = row + top - a * dh;
    if (r < 0 || r % sh != 0 || r / sh >= OH) continue;
    r /= sh;
    for (ptrdiff_t b = 0; b < KW; ++b) {
        ptrdiff_t s = col + left - b * dw;
        if (s < 0 || s % sw != 0 || s / sw >= OW) continue;
        s /= sw;
""" + body + """
    }
}
"""


# Max pooling, one kernel launch each way: one thread per output (forward) or per input element (backward)
# walks the window's taps in order.  NaN counts as the largest value and the last NaN tap of a window keeps
# its gradient (PyTorch's CPU rule, which lucid gives on every device); otherwise a strictly larger tap wins,
# so on ties the first maximum keeps it.  Padding taps are -inf: they never win, and a window whose real
# pixels are all -inf sends its gradient to its first real pixel, as in PyTorch.  x and g are indexed by
# their elements' C order (raw), so any memory layout works; the outputs are laid out as the caller chose.
_WINDOW_GEOMETRY = "int64 H, int64 W, int64 OH, int64 OW, int64 KH, int64 KW, int64 sh, int64 sw, " \
                   "int64 dh, int64 dw, int64 top, int64 left"
_MAX_POOL_BODY = """
const ptrdiff_t ow = i % OW, oh = (i / OW) % OH, nc = i / (OW * OH);
bool seen = false;
y = neg_inf;
arg = 0;
for (ptrdiff_t a = 0; a < KH; ++a) {
    const ptrdiff_t r = oh * sh + a * dh - top;
    if (r < 0 || r >= H) continue;
    for (ptrdiff_t b = 0; b < KW; ++b) {
        const ptrdiff_t s = ow * sw + b * dw - left;
        if (s < 0 || s >= W) continue;
        const T v = x[(nc * H + r) * W + s];
        if (!seen || v != v || v > y) { y = v; arg = a * KW + b; }
        seen = true;
    }
}
"""
_MAX_POOL_GRAD_BODY = """
const ptrdiff_t col = i % W, row = (i / W) % H, nc = i / (W * H);
T acc = 0;
""" + _for_each_window_covering("""
        const ptrdiff_t o = (nc * OH + r) * OW + s;
        if (arg[o] == a * KW + b) acc += g[o];
""") + """
gx = acc;
"""


@functools.cache
def _max_pool_kernel():
    import cupy

    return cupy.ElementwiseKernel(f"raw T x, T neg_inf, {_WINDOW_GEOMETRY}", "T y, I arg", _MAX_POOL_BODY,
                                  "lucid_max_pool")


@functools.cache
def _max_pool_grad_kernel():
    import cupy

    return cupy.ElementwiseKernel(f"raw T g, raw I arg, {_WINDOW_GEOMETRY}", "T gx", _MAX_POOL_GRAD_BODY,
                                  "lucid_max_pool_grad")


def _empty_like_layout(shape, dtype, channels_last):
    """An uninitialised (N, C, H, W) array, channels-last in memory when asked (a permuted view)."""
    import cupy

    if not channels_last:
        return cupy.empty(shape, dtype=dtype)
    n, c, h, w = shape
    return cupy.empty((n, h, w, c), dtype=dtype).transpose(0, 3, 1, 2)


def _geometry(h, w, out_hw, kernel, stride, dilation, pads):
    import numpy

    return tuple(numpy.int64(v) for v in (h, w, *out_hw, *kernel, *stride, *dilation, pads[0], pads[2]))


def max_pool(x, kernel, stride, dilation, pads, out_hw, index_dtype, channels_last):
    """Max pooling of ``x`` (N, C, H, W): ``(y, arg)``, each window's maximum and its tap, in one launch."""
    n, c, h, w = x.shape
    y = _empty_like_layout((n, c) + tuple(out_hw), x.dtype, channels_last)
    arg = _empty_like_layout((n, c) + tuple(out_hw), index_dtype, channels_last)
    _max_pool_kernel()(x, x.dtype.type(-float("inf")), *_geometry(h, w, out_hw, kernel, stride, dilation, pads),
                       y, arg)
    return y, arg


def max_pool_grad(g, arg, x_shape, kernel, stride, dilation, pads, channels_last):
    """The input gradient of max pooling: each input element sums ``g`` of the windows whose maximum it was."""
    n, c, h, w = x_shape
    gx = _empty_like_layout(tuple(x_shape), g.dtype, channels_last)
    _max_pool_grad_kernel()(g, arg, *_geometry(h, w, g.shape[2:], kernel, stride, dilation, pads), gx)
    return gx


# Convolution forward: im2col in one kernel, one thread per element of the (G, N*OH*OW, KH*KW*C/G) column
# matrix (rows channels-last, columns in (kernel row, kernel column, channel) order).  Reads x by its elements'
# C order (raw), so any layout works; zero padding is a test, not a padded copy of the input.
_IM2COL_BODY = """
const ptrdiff_t K = KH * KW * CG, M = N * OH * OW;
const ptrdiff_t k = i % K, row = (i / K) % M, grp = i / (K * M);
const ptrdiff_t cin = k % CG, b = (k / CG) % KW, a = k / (CG * KW);
const ptrdiff_t ow = row % OW, oh = (row / OW) % OH, n = row / (OW * OH);
const ptrdiff_t r = oh * sh + a * dh - top, s = ow * sw + b * dw - left;
cols = (r >= 0 && r < H && s >= 0 && s < W) ? x[((n * (CG * G) + grp * CG + cin) * H + r) * W + s] : (T)0;
"""


@functools.cache
def _im2col_kernel():
    import cupy

    sizes = "int64 N, int64 H, int64 W, int64 G, int64 CG, int64 OH, int64 OW, int64 KH, int64 KW"
    geometry = "int64 sh, int64 sw, int64 dh, int64 dw, int64 top, int64 left"
    return cupy.ElementwiseKernel(f"raw T x, {sizes}, {geometry}", "T cols", _IM2COL_BODY, "lucid_im2col")


def im2col(x, groups, out_hw, kernel, stride, dilation, top, left):
    """The column matrix ``(G, N*OH*OW, KH*KW*C/G)`` of a convolution's input ``x`` (N, C, H, W): one launch."""
    import cupy
    import numpy

    n, c, h, w = x.shape
    oh, ow = out_hw
    kh, kw = kernel
    cols = cupy.empty((groups, n * oh * ow, kh * kw * (c // groups)), dtype=x.dtype)
    values = (n, h, w, groups, c // groups, oh, ow, kh, kw, *stride, *dilation, top, left)
    _im2col_kernel()(x, *(numpy.int64(v) for v in values), cols)
    return cols


# Convolution backward: the input gradient gathered from the column gradient, one thread per input element.
# cols is the (G, N*OH*OW, KH*KW*C/G) product G @ W (C order); gx is (N, H, W, C), the unpadded input's
# channels-last layout.  Each element adds the taps whose window covers it, in the order (kernel row, kernel
# column) in which the NumPy path adds them; no atomics, no zero fill, no crop of a padded buffer.
_COL2IM_BODY = """
const ptrdiff_t c = i % C, rest = i / C;
const ptrdiff_t col = rest % W, row = (rest / W) % H, n = rest / (W * H);
const ptrdiff_t grp = c / CG, cin = c % CG;
T acc = 0;
""" + _for_each_window_covering("""
        acc += cols[(((grp * N + n) * OH + r) * OW + s) * (KH * KW * CG) + (a * KW + b) * CG + cin];
""") + """
gx = acc;
"""


@functools.cache
def _col2im_kernel():
    import cupy

    sizes = "int64 N, int64 H, int64 W, int64 C, int64 CG, int64 OH, int64 OW, int64 KH, int64 KW"
    geometry = "int64 sh, int64 sw, int64 dh, int64 dw, int64 top, int64 left"
    return cupy.ElementwiseKernel(f"raw T cols, {sizes}, {geometry}", "T gx", _COL2IM_BODY, "lucid_col2im")


def col2im(cols, n, h, w, c, groups, out_hw, kernel, stride, dilation, top, left):
    """The convolution's input gradient ``(N, H, W, C)`` from the column gradient ``cols``: one launch."""
    import cupy
    import numpy

    gx = cupy.empty((n, h, w, c), dtype=cols.dtype)
    values = (n, h, w, c, c // groups, *out_hw, *kernel, *stride, *dilation, top, left)
    _col2im_kernel()(cols, *(numpy.int64(v) for v in values), gx)
    return gx
