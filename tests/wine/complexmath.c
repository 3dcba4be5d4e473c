/* Test scaffolding for Wine only (never shipped): Wine 8.0's ucrtbase.dll has stubs for almost all C99
 * complex-math functions, and numpy calls some of them at import. This DLL implements them with mingw-w64's own
 * complex maths; sitecustomize.py (next to it) points ucrtbase's stubs here when Python starts under Wine.
 *
 * MSVC's _Dcomplex / _Fcomplex / _Lcomplex are structs (long double is double on Windows), so the functions
 * take and return structs, which gives exactly the MSVC x64 calling convention.
 *   x86_64-w64-mingw32-gcc -shared -O2 -s -static-libgcc complexmath.c -o complexmath.dll
 */
#include <complex.h>
#include <math.h>

typedef struct { double re, im; } Dc;
typedef struct { float re, im; } Fc;

static double complex dc(Dc z) { return __builtin_complex(z.re, z.im); }
static Dc mkd(double complex c) { Dc z = { creal(c), cimag(c) }; return z; }
static float complex fc(Fc z) { return __builtin_complex(z.re, z.im); }
static Fc mkf(float complex c) { Fc z = { crealf(c), cimagf(c) }; return z; }
static double complex clog10_d(double complex z) { return clog(z) / log(10.0); }
static float complex clog10_f(float complex z) { return clogf(z) / logf(10.0f); }

#define EXPORT __declspec(dllexport)
/* complex -> complex, in the double, float and "long double" (= double) flavours */
#define UNARY(name, dfun, ffun) \
    EXPORT Dc shim_##name(Dc z) { return mkd(dfun(dc(z))); } \
    EXPORT Fc shim_##name##f(Fc z) { return mkf(ffun(fc(z))); } \
    EXPORT Dc shim_##name##l(Dc z) { return mkd(dfun(dc(z))); }
/* complex -> real */
#define TOREAL(name, dfun, ffun) \
    EXPORT double shim_##name(Dc z) { return dfun(dc(z)); } \
    EXPORT float shim_##name##f(Fc z) { return ffun(fc(z)); } \
    EXPORT double shim_##name##l(Dc z) { return dfun(dc(z)); }

UNARY(cacos, cacos, cacosf) UNARY(cacosh, cacosh, cacoshf) UNARY(casin, casin, casinf)
UNARY(casinh, casinh, casinhf) UNARY(catan, catan, catanf) UNARY(catanh, catanh, catanhf)
UNARY(ccos, ccos, ccosf) UNARY(ccosh, ccosh, ccoshf) UNARY(cexp, cexp, cexpf) UNARY(clog, clog, clogf)
UNARY(clog10, clog10_d, clog10_f) UNARY(conj, conj, conjf) UNARY(cproj, cproj, cprojf) UNARY(csin, csin, csinf)
UNARY(csinh, csinh, csinhf) UNARY(csqrt, csqrt, csqrtf) UNARY(ctan, ctan, ctanf) UNARY(ctanh, ctanh, ctanhf)
TOREAL(cabs, cabs, cabsf) TOREAL(carg, carg, cargf) TOREAL(cimag, cimag, cimagf) TOREAL(creal, creal, crealf)

EXPORT Dc shim_cpow(Dc a, Dc b) { return mkd(cpow(dc(a), dc(b))); }
EXPORT Fc shim_cpowf(Fc a, Fc b) { return mkf(cpowf(fc(a), fc(b))); }
EXPORT Dc shim_cpowl(Dc a, Dc b) { return mkd(cpow(dc(a), dc(b))); }
EXPORT Dc shim__Cbuild(double re, double im) { Dc z = { re, im }; return z; }
EXPORT Fc shim__FCbuild(float re, float im) { Fc z = { re, im }; return z; }
EXPORT Dc shim__LCbuild(double re, double im) { Dc z = { re, im }; return z; }
EXPORT Dc shim__Cmulcc(Dc a, Dc b) { return mkd(dc(a) * dc(b)); }
EXPORT Fc shim__FCmulcc(Fc a, Fc b) { return mkf(fc(a) * fc(b)); }
EXPORT Dc shim__LCmulcc(Dc a, Dc b) { return mkd(dc(a) * dc(b)); }
EXPORT Dc shim__Cmulcr(Dc a, double b) { return mkd(dc(a) * b); }
EXPORT Fc shim__FCmulcr(Fc a, float b) { return mkf(fc(a) * b); }
EXPORT Dc shim__LCmulcr(Dc a, double b) { return mkd(dc(a) * b); }
