#include "core/runtime/cpu_load.h"

#include "core/runtime/threads.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gesso {
namespace {

// Whitespace-separated integers from `from` to the end of the line; signed, as /proc/<pid>/stat's tpgid is -1
// without a terminal.
std::vector<int64_t> numbersAfter(std::string_view text, size_t from, size_t count) {
    std::vector<int64_t> out;
    size_t i = from;
    while (out.size() < count && i < text.size()) {
        while (i < text.size() && text[i] == ' ')
            ++i;
        if (i >= text.size() || text[i] == '\n') break;
        int64_t value = 0;
        auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
        if (ec != std::errc()) return {};
        out.push_back(value);
        i = static_cast<size_t>(end - text.data());
    }
    return out;
}

std::string readFile(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return in ? text.str() : std::string();
}

} // namespace

std::optional<MachineCpuTicks> parseProcStat(std::string_view text) {
    if (text.substr(0, 4) != "cpu ") return std::nullopt;
    // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user and nice]
    const auto v = numbersAfter(text, 4, 8);
    if (v.size() < 4) return std::nullopt;
    if (std::any_of(v.begin(), v.end(), [](int64_t x) { return x < 0; })) return std::nullopt;
    auto at = [&](size_t i) { return i < v.size() ? static_cast<uint64_t>(v[i]) : uint64_t(0); };
    MachineCpuTicks t;
    t.contended = at(0) + at(2) + at(5) + at(6) + at(7);
    for (size_t i = 0; i < v.size(); ++i)
        t.total += at(i);
    return t;
}

std::optional<uint64_t> parseProcessCpuTicks(std::string_view text) {
    const size_t close = text.rfind(')');
    if (close == std::string_view::npos) return std::nullopt;
    // After "pid (comm)": state is field 3, utime 14, stime 15. Field 3 is a letter: skip it by hand.
    size_t i = close + 1;
    while (i < text.size() && text[i] == ' ')
        ++i;
    if (i >= text.size()) return std::nullopt;
    ++i; // the state letter
    const auto v = numbersAfter(text, i, 12);
    if (v.size() < 12 || v[10] < 0 || v[11] < 0) return std::nullopt;
    return static_cast<uint64_t>(v[10] + v[11]); // fields 14 and 15 are the 11th and 12th after the state
}

OtherProcessesLoad::OtherProcessesLoad()
    : m_machine(parseProcStat(readFile("/proc/stat"))),
      m_own(parseProcessCpuTicks(readFile("/proc/self/stat"))) {}

std::optional<double> OtherProcessesLoad::sample(uint64_t minimumTicks) {
    const auto machine = parseProcStat(readFile("/proc/stat"));
    const auto own = parseProcessCpuTicks(readFile("/proc/self/stat"));
    if (!machine || !own || !m_machine || !m_own) {
        m_machine = machine;
        m_own = own;
        return std::nullopt;
    }
    const uint64_t total = machine->total - m_machine->total;
    const auto cores = static_cast<uint64_t>(hardwareThreadCount());
    if (total < minimumTicks * cores) return std::nullopt; // /proc/stat's total counts every core's ticks
    const double contended = static_cast<double>(machine->contended - m_machine->contended);
    const double ownTicks = static_cast<double>(*own - *m_own);
    m_machine = machine;
    m_own = own;
    const double wallTicks = static_cast<double>(total) / cores;
    return std::max(0.0, (contended - ownTicks) / wallTicks);
}

} // namespace gesso
