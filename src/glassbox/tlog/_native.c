/* Bulk RFC 6962 hashing for whole tiles, in C: an optional accelerator.
 *
 * Verifying or integrating a log costs one leaf hash and about one interior
 * hash per entry. Done one `hashlib` call at a time, the Python call overhead
 * costs more than SHA-256 itself, so these two functions take a whole tile
 * (or more) per call and hash it with OpenSSL's libcrypto (the library
 * `hashlib` itself uses), with the GIL released while they hash a large input.
 *
 *   leaf_tile(entries)           -> SHA-256(0x00 || e) of each entry, concatenated
 *   subtree_roots(blob, width)   -> for each run of `width` (a power of two)
 *                                   32-byte hashes in blob, the root of the
 *                                   perfect subtree over them: SHA-256(0x01 || l || r)
 *                                   level by level; the roots concatenated
 *
 * They give up the GIL only for large inputs (RELEASE_BYTES): for a tile or
 * two, hashing takes less time than handing the GIL over and, in a busy
 * server, waiting to get it back.
 *
 * glassbox/tlog/_hash.py falls back to pure Python with identical results when
 * this module is not built; the tests check that the two agree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The low-level SHA256_* calls: deprecated in OpenSSL 3 in favour of EVP, but EVP's
 * per-message set-up costs more than hashing a 300-byte entry. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <string.h>

#define HASH_SIZE 32
#define RELEASE_BYTES (64 * 1024)

typedef struct {
    const unsigned char *data;
    size_t len;
} span;

/* SHA-256(prefix || data) into out; 0 on an OpenSSL failure. */
static int digest(unsigned char prefix, const span *data, unsigned char *out)
{
    SHA256_CTX ctx;
    return SHA256_Init(&ctx) && SHA256_Update(&ctx, &prefix, 1) &&
           SHA256_Update(&ctx, data->data, data->len) && SHA256_Final(out, &ctx);
}

static PyObject *leaf_tile(PyObject *module, PyObject *arg)
{
    PyObject *seq = PySequence_Fast(arg, "leaf_tile() takes a sequence of bytes");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    span *spans = PyMem_Calloc(n ? (size_t)n : 1, sizeof(span));
    Py_buffer *views = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Py_buffer));
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * HASH_SIZE);
    Py_ssize_t held = 0; /* views[0 .. held) must be released */
    int ok = 0;
    if (spans == NULL || views == NULL || out == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    size_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* Every item stays alive and unchanged while `seq` and its view are held. */
        if (PyObject_GetBuffer(items[i], &views[i], PyBUF_SIMPLE) < 0) {
            PyErr_Format(PyExc_TypeError, "entry %zd is not bytes-like", i);
            goto done;
        }
        held = i + 1;
        spans[i].data = views[i].buf;
        spans[i].len = (size_t)views[i].len;
        total += spans[i].len;
    }
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(out);
    PyThreadState *released = total >= RELEASE_BYTES ? PyEval_SaveThread() : NULL;
    ok = 1;
    for (Py_ssize_t i = 0; i < n && ok; i++)
        ok = digest(0x00, &spans[i], dst + i * HASH_SIZE);
    if (released != NULL)
        PyEval_RestoreThread(released);
    if (!ok)
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
done:
    for (Py_ssize_t i = 0; i < held; i++)
        PyBuffer_Release(&views[i]);
    PyMem_Free(views);
    PyMem_Free(spans);
    Py_DECREF(seq);
    if (!ok) {
        Py_XDECREF(out);
        return NULL;
    }
    return out;
}

static PyObject *subtree_roots(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "subtree_roots() takes a bytes-like object and a width");
        return NULL;
    }
    Py_ssize_t width = PyLong_AsSsize_t(args[1]);
    if (width == -1 && PyErr_Occurred())
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_ssize_t run = width * HASH_SIZE; /* bytes per subtree */
    if (width < 1 || (width & (width - 1)) || width > PY_SSIZE_T_MAX / HASH_SIZE ||
        view.len == 0 || view.len % run) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError,
                     "subtree_roots() needs runs of a power-of-two number of %d-byte hashes, "
                     "got %zd bytes in runs of %zd",
                     HASH_SIZE, view.len, width);
        return NULL;
    }
    Py_ssize_t runs = view.len / run;
    unsigned char *work = PyMem_Malloc((size_t)run);
    PyObject *out = PyBytes_FromStringAndSize(NULL, runs * HASH_SIZE);
    int ok = 0;
    if (work == NULL || out == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    const unsigned char *src = view.buf;
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(out);
    PyThreadState *released = view.len >= RELEASE_BYTES ? PyEval_SaveThread() : NULL;
    ok = 1;
    for (Py_ssize_t r = 0; r < runs && ok; r++) {
        memcpy(work, src + r * run, (size_t)run);
        /* Each pass writes the parents of pairs over the front half of `work`. */
        for (Py_ssize_t w = width; w > 1 && ok; w /= 2) {
            for (Py_ssize_t i = 0; i < w / 2 && ok; i++) {
                span pair = {work + 2 * i * HASH_SIZE, 2 * HASH_SIZE};
                ok = digest(0x01, &pair, work + i * HASH_SIZE);
            }
        }
        memcpy(dst + r * HASH_SIZE, work, HASH_SIZE);
    }
    if (released != NULL)
        PyEval_RestoreThread(released);
    if (!ok)
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
done:
    PyMem_Free(work);
    PyBuffer_Release(&view);
    if (!ok) {
        Py_XDECREF(out);
        return NULL;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"leaf_tile", leaf_tile, METH_O,
     "leaf_tile(entries) -> bytes\n\nThe RFC 6962 leaf hash of each entry, concatenated."},
    {"subtree_roots", (PyCFunction)(void (*)(void))subtree_roots, METH_FASTCALL,
     "subtree_roots(hashes, width) -> bytes\n\nFor each run of `width` (a power of two) "
     "concatenated 32-byte hashes, the root of the perfect subtree over them; the roots "
     "concatenated."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "glassbox.tlog._native",
    "Bulk RFC 6962 tile hashing with OpenSSL (optional accelerator).", -1, methods,
};

PyMODINIT_FUNC PyInit__native(void)
{
    return PyModule_Create(&module);
}
