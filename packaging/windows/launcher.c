/* calmcue.exe / calmcuew.exe: start CalmCue with the embedded Python next to this file.
 *
 * Runs "<folder of this exe>\python\python.exe -m calmcue <the arguments this exe was given>" (pythonw.exe for
 * the windowed build, -DCALMCUE_GUI), passes the console and standard handles on, waits, and returns Python's
 * exit code. Built with mingw-w64: x86_64-w64-mingw32-gcc -municode -O2 -s launcher.c -o calmcue.exe
 */
#include <windows.h>
#include <wchar.h>

#ifdef CALMCUE_GUI
#define PYTHON_EXE L"pythonw.exe"
#else
#define PYTHON_EXE L"python.exe"
#endif

/* The arguments after the program name, as typed (quoting left exactly as the caller wrote it). */
static const wchar_t *arguments(const wchar_t *line) {
    int quoted = 0;
    while (*line && (quoted || (*line != L' ' && *line != L'\t'))) {
        if (*line == L'"') quoted = !quoted;
        line++;
    }
    while (*line == L' ' || *line == L'\t') line++;
    return line;
}

static int fail(const wchar_t *what, const wchar_t *path) {
    wchar_t message[1200];
    swprintf(message, 1200, L"CalmCue cannot start: %ls %ls (error %lu). Repair or reinstall CalmCue.",
             what, path, GetLastError());
#ifdef CALMCUE_GUI
    MessageBoxW(NULL, message, L"CalmCue", MB_OK | MB_ICONERROR);
#else
    fwprintf(stderr, L"calmcue: %ls\n", message);
#endif
    return 1;
}

int wmain(void) {
    wchar_t here[MAX_PATH], python[MAX_PATH + 32];
    DWORD n = GetModuleFileNameW(NULL, here, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) return fail(L"its own path is too long:", L"");
    wchar_t *slash = wcsrchr(here, L'\\');
    if (slash) *slash = 0;
    swprintf(python, MAX_PATH + 32, L"%ls\\python\\%ls", here, PYTHON_EXE);

    const wchar_t *rest = arguments(GetCommandLineW());
    size_t size = wcslen(python) + wcslen(rest) + 32;
    wchar_t *command = HeapAlloc(GetProcessHeap(), 0, size * sizeof(wchar_t));
    if (!command) return 1;
    swprintf(command, size, L"\"%ls\" -m calmcue %ls", python, rest);

    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(python, command, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
        return fail(L"could not run", python);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}
