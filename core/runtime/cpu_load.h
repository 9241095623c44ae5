#pragma once
// How much CPU other processes are taking from this one, read from /proc: the whole machine's busy time
// (/proc/stat) minus this process's own (/proc/self/stat). Used to stop torch's OpenMP threads from
// competing with another program for a core, which on a 2-core desktop makes two threads 2x slower than one.
#include <cstdint>
#include <optional>
#include <string_view>

namespace gesso {

// Clock ticks from the first ("cpu") line of /proc/stat. `contended` counts what competes with a normal
// priority process: user, system, irq, softirq and steal (the hypervisor's). Time of processes with a
// positive nice value is left out: they yield to ours.
struct MachineCpuTicks {
    uint64_t contended = 0;
    uint64_t total = 0; // every field, idle included
};
std::optional<MachineCpuTicks> parseProcStat(std::string_view text);
// utime + stime of a /proc/<pid>/stat line (fields 14 and 15; the command name may hold spaces and ')').
std::optional<uint64_t> parseProcessCpuTicks(std::string_view text);

class OtherProcessesLoad {
public:
    OtherProcessesLoad(); // takes the first sample
    // Cores that other processes kept busy since the last sample that returned a value (or construction),
    // averaged over all cores' time: 1.0 = one core's worth. nullopt while less than `minimumTicks` have
    // passed (ticks are 10 ms; fewer make the figure coarse) or when /proc cannot be read.
    std::optional<double> sample(uint64_t minimumTicks = 20);

private:
    std::optional<MachineCpuTicks> m_machine;
    std::optional<uint64_t> m_own;
};

} // namespace gesso
