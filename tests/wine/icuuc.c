/* Test scaffolding for Wine only (never shipped): Qt6Core.dll links Windows' system ICU (icuuc.dll, for text
 * codecs other than UTF-8/16), which Wine 8.0 does not have, so PyQt6 cannot load. This stand-in exports the
 * functions Qt imports and reports every converter as unavailable; Qt then keeps to its built-in codecs.
 * Put it in the throw-away Wine prefix's system32 (tests/test_packaging_msi.py does).
 *   x86_64-w64-mingw32-gcc -shared -O2 -s -static-libgcc icuuc.c -o icuuc.dll
 */
#include <stddef.h>
#include <stdint.h>

#define EXPORT __declspec(dllexport)
#define U_UNSUPPORTED_ERROR 16

EXPORT void *ucnv_open(const char *name, int *err) { (void)name; if (err) *err = U_UNSUPPORTED_ERROR; return NULL; }
EXPORT void ucnv_close(void *cnv) { (void)cnv; }
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(void) {}
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(void) {}
EXPORT void ucnv_reset(void *cnv) { (void)cnv; }
EXPORT int8_t ucnv_getMaxCharSize(const void *cnv) { (void)cnv; return 1; }
EXPORT const char *ucnv_getName(const void *cnv, int *err) { (void)cnv; if (err) *err = U_UNSUPPORTED_ERROR; return ""; }
EXPORT void ucnv_getToUCallBack(const void *c, void **a, const void **b) { (void)c; if (a) *a = NULL; if (b) *b = NULL; }
EXPORT void ucnv_getFromUCallBack(const void *c, void **a, const void **b) { (void)c; if (a) *a = NULL; if (b) *b = NULL; }
EXPORT void ucnv_setToUCallBack(void *c, void *n, const void *nc, void **o, const void **oc, int *err)
{ (void)c; (void)n; (void)nc; (void)o; (void)oc; if (err) *err = U_UNSUPPORTED_ERROR; }
EXPORT void ucnv_setFromUCallBack(void *c, void *n, const void *nc, void **o, const void **oc, int *err)
{ (void)c; (void)n; (void)nc; (void)o; (void)oc; if (err) *err = U_UNSUPPORTED_ERROR; }
EXPORT void ucnv_cbToUWriteUChars(void *a, const void *s, int32_t l, int32_t o, int *err)
{ (void)a; (void)s; (void)l; (void)o; if (err) *err = U_UNSUPPORTED_ERROR; }
EXPORT void ucnv_cbFromUWriteUChars(void *a, const void **s, const void *e, int32_t o, int *err)
{ (void)a; (void)s; (void)e; (void)o; if (err) *err = U_UNSUPPORTED_ERROR; }
EXPORT void ucnv_toUnicode(void *c, void **t, const void *te, const char **s, const char *se, int32_t *o, int8_t f,
                           int *err)
{ (void)c; (void)t; (void)te; (void)s; (void)se; (void)o; (void)f; if (err) *err = U_UNSUPPORTED_ERROR; }
EXPORT void ucnv_fromUnicode(void *c, char **t, const char *te, const void **s, const void *se, int32_t *o, int8_t f,
                             int *err)
{ (void)c; (void)t; (void)te; (void)s; (void)se; (void)o; (void)f; if (err) *err = U_UNSUPPORTED_ERROR; }
EXPORT int32_t ucnv_toUCountPending(const void *c, int *err) { (void)c; (void)err; return 0; }
EXPORT int32_t ucnv_fromUCountPending(const void *c, int *err) { (void)c; (void)err; return 0; }
EXPORT const char *ucnv_getStandardName(const char *n, const char *s, int *err) { (void)n; (void)s; (void)err; return NULL; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
