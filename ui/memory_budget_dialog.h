#pragma once
// How much memory the models kept loaded between generations may use (Generate > Model memory...), saved in
// the settings and handed to the engine at start-up. GUI thread only.
#include "core/generation/generation.h"

#include <optional>

class QWidget;

namespace gesso::ui {

// The dialog; nullopt when cancelled. Values are GiB in the dialog, 0 = Gesso's default.
std::optional<generation::MemoryBudget> askMemoryBudget(QWidget* parent,
                                                        const generation::MemoryBudget& current);

generation::MemoryBudget savedMemoryBudget(); // QSettings memory/ram_gib, memory/vram_gib
void saveMemoryBudget(const generation::MemoryBudget& budget);

} // namespace gesso::ui
