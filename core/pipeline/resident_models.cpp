#include "core/pipeline/resident_models.h"

#include "core/model/weights.h"

#include <unistd.h>

#include <system_error>

namespace gesso::pipeline {

namespace fs = std::filesystem;

int64_t defaultRamBudget() {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && pageSize > 0 ? int64_t(pages) * pageSize / 2 : int64_t(4) << 30;
}

int64_t bundleBytes(const ModelBundle& bundle) {
    int64_t bytes = 0;
    if (bundle.unet) bytes += model::parameterBytes(*bundle.unet);
    if (bundle.vae) bytes += model::parameterBytes(*bundle.vae);
    if (bundle.text) bytes += bundle.text->weightBytes();
    return bytes;
}

int64_t estimatedBundleBytes(const fs::path& path, torch::ScalarType dtype) {
    std::error_code ec;
    int64_t stored = 0;
    if (fs::is_directory(path, ec)) {
        for (auto it = fs::recursive_directory_iterator(path, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            const auto extension = it->path().extension();
            if (it->is_regular_file(ec) && (extension == ".safetensors" || extension == ".bin"))
                stored += int64_t(it->file_size(ec));
        }
    } else {
        const auto size = fs::file_size(path, ec);
        if (!ec) stored = int64_t(size);
    }
    return dtype == torch::kFloat32 ? 2 * stored : stored;
}

void ResidentModels::setBudget(const generation::MemoryBudget& budget) {
    m_budget = budget;
    for (torch::Device device : {torch::Device(torch::kCPU), torch::Device(torch::kCUDA)})
        evictUntil(device, 0, m_entries.empty() ? nullptr : &m_entries.front());
}

int64_t ResidentModels::budgetBytes(torch::Device device) const {
    if (device.is_cpu()) return m_budget.ramBytes > 0 ? m_budget.ramBytes : defaultRamBudget();
    return m_budget.vramBytes;
}

ModelBundle* ResidentModels::find(const std::string& key) {
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        if (it->key != key) continue;
        m_entries.splice(m_entries.begin(), m_entries, it);
        return &m_entries.front().bundle;
    }
    return nullptr;
}

int64_t ResidentModels::residentBytes(torch::Device device) const {
    int64_t bytes = 0;
    for (const Entry& e : m_entries)
        if (e.bundle.device.type() == device.type()) bytes += e.bytes;
    return bytes;
}

void ResidentModels::evictUntil(torch::Device device, int64_t room, const Entry* keep) {
    const int64_t budget = budgetBytes(device);
    for (auto it = m_entries.end(); it != m_entries.begin();) {
        --it;
        if (&*it == keep || it->bundle.device.type() != device.type()) continue;
        // A GPU without a budget holds one model: any other is evicted.
        const bool fits = budget > 0 && residentBytes(device) + room <= budget;
        if (fits) break;
        it = m_entries.erase(it);
    }
}

void ResidentModels::makeRoom(torch::Device device, int64_t estimatedBytes) {
    evictUntil(device, estimatedBytes, nullptr);
}

ModelBundle& ResidentModels::add(const std::string& key, ModelBundle bundle) {
    const int64_t bytes = bundleBytes(bundle);
    m_entries.push_front(Entry{key, std::move(bundle), bytes});
    evictUntil(m_entries.front().bundle.device, 0, &m_entries.front());
    return m_entries.front().bundle;
}

void ResidentModels::clear() {
    m_entries.clear();
}

std::vector<fs::path> ResidentModels::sources() const {
    std::vector<fs::path> sources;
    for (const Entry& e : m_entries)
        sources.push_back(e.bundle.source);
    return sources;
}

} // namespace gesso::pipeline
