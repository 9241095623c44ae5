#include "ui/memory_budget_dialog.h"

#include <QtCore/QSettings>
#include <QtWidgets/QDialog>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>

#include <cmath>

namespace gesso::ui {

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

QDoubleSpinBox* gibBox(QWidget* parent, int64_t bytes, const char* name) {
    auto* box = new QDoubleSpinBox(parent);
    box->setObjectName(name);
    box->setRange(0, 4096);
    box->setDecimals(1);
    box->setSuffix(QObject::tr(" GiB"));
    box->setSpecialValueText(QObject::tr("Default"));
    box->setValue(double(bytes) / kGiB);
    return box;
}

int64_t bytesOf(double gib) {
    return int64_t(std::llround(gib * kGiB));
}

} // namespace

std::optional<generation::MemoryBudget> askMemoryBudget(QWidget* parent,
                                                        const generation::MemoryBudget& current) {
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Model memory"));
    auto* form = new QFormLayout(&dialog);
    auto* note = new QLabel(QObject::tr("Models stay loaded between generations while they fit, so switching "
                                        "back is instant. Default: half of this computer's memory; one model "
                                        "per GPU."),
                            &dialog);
    note->setWordWrap(true);
    form->addRow(note);
    auto* ram = gibBox(&dialog, current.ramBytes, "ramBudget");
    auto* vram = gibBox(&dialog, current.vramBytes, "vramBudget");
    form->addRow(QObject::tr("Memory (RAM)"), ram);
    form->addRow(QObject::tr("GPU memory, per GPU"), vram);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return std::nullopt;
    return generation::MemoryBudget{bytesOf(ram->value()), bytesOf(vram->value())};
}

generation::MemoryBudget savedMemoryBudget() {
    QSettings settings;
    return {bytesOf(settings.value("memory/ram_gib", 0.0).toDouble()),
            bytesOf(settings.value("memory/vram_gib", 0.0).toDouble())};
}

void saveMemoryBudget(const generation::MemoryBudget& budget) {
    QSettings settings;
    settings.setValue("memory/ram_gib", double(budget.ramBytes) / kGiB);
    settings.setValue("memory/vram_gib", double(budget.vramBytes) / kGiB);
}

} // namespace gesso::ui
