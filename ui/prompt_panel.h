#pragma once
// The prompt dock: prompt and negative prompt (completion of LoRA and embedding names, the weight slider of
// the tag under the cursor), model, and two tabs: the settings (VAE, sampler, prediction type override,
// steps, guidance, seed, size, strength, batch, the mode: following the document unless overridden) and the
// LoRA / embedding browser; Generate / Cancel, live mode's controls (ui/live_controls.h), progress with ETA,
// and a non-modal message line for errors.
// GUI thread only.
#include "core/engine/model_catalog.h"
#include "core/generation/generation.h"
#include "core/library/library_entry.h"
#include "ui/extra_networks.h"
#include "ui/message_banner.h"
#include "ui/prompt_edit.h" // promptEdit() returns one: callers use it as a QPlainTextEdit

#include <QtCore/QHash>
#include <QtWidgets/QWidget>

#include <optional>
#include <utility>
#include <vector>

class QComboBox;
class QPlainTextEdit;
class QSpinBox;
class QDoubleSpinBox;
class QCheckBox;
class QPushButton;
class QProgressBar;
class QLabel;
class QToolButton;
class QTabWidget;

namespace gesso::ui {

class ExtraNetworkBrowser;
class HiresControls;
class LiveControls;
class TagWeightSlider;

class PromptPanel : public QWidget {
    Q_OBJECT
public:
    explicit PromptPanel(QWidget* parent = nullptr);
    // As tall as needed to show every control, no taller: the rest of the dock column goes to the layers.
    QSize sizeHint() const override;

    // The request fields the panel owns (no images, no mode). width/height 0 = follow the region.
    generation::GenerationSettings settings() const;
    void setSettings(const generation::GenerationSettings& settings);
    // Empty = follow the document.
    std::optional<generation::Mode> modeOverride() const;
    void setSuggestedMode(generation::Mode mode); // shown in the "Auto" entry
    void setRegionSize(int width, int height);    // shown when the size follows the region
    void setLastSeed(int64_t seed);
    int queueCount() const; // Generate queues this many jobs, the seed counting up

    void setModels(const std::vector<engine::ModelEntry>& models);
    // Standalone VAE files (label, path) offered besides "Automatic" (the model's own VAE).
    void setVaes(const std::vector<std::pair<QString, QString>>& vaes);
    QString modelPath() const;
    int modelNativeSize() const; // engine::ModelEntry::nativeSize of the chosen model
    void selectModel(const QString& path);
    // The model library as of its last refresh: its LoRAs and embeddings go to the browser, the completion
    // and the highlighting; its checkpoints' families decide which of them are dimmed.
    void setLibraryEntries(const std::vector<library::LibraryEntry>& entries);
    // Inserts `network` at the cursor of the prompt field last worked in (a LoRA as <lora:NAME:1>, an
    // embedding as its name); a LoRA already in that field is selected instead of added twice.
    void insertNetwork(const ExtraNetwork& network);

    // Generation state display.
    void setBusy(bool busy, int queued);
    void showProgress(int step, int total, double etaSeconds);
    void clearProgress();
    void showMessage(const QString& text, bool error);
    void clearMessage();

    PromptEdit* promptEdit() const { return m_prompt; }
    PromptEdit* negativeEdit() const { return m_negative; }
    ExtraNetworkBrowser* networkBrowser() const { return m_browser; }
    TagWeightSlider* weightSlider() const { return m_weight; }
    QTabWidget* tabs() const { return m_tabs; }
    QPushButton* generateButton() const { return m_generate; }
    QPushButton* cancelButton() const { return m_cancel; }
    QProgressBar* progressBar() const { return m_progress; }
    MessageBanner* messageLabel() const { return m_message; }
    LiveControls* liveControls() const { return m_live; }
    HiresControls* hiresControls() const { return m_hires; }

Q_SIGNALS:
    void generateRequested();
    void cancelRequested();
    void cancelAllRequested();
    void modelFoldersRequested();
    void modeChanged();
    void modelChosen(const QString& path); // the model picker's choice changed (by the user or a reload)
    // The prompts, model, sampler, steps, CFG or seed changed (typing included: one signal per edit).
    void settingsEdited();

private:
    void offerSchedules(); // the schedules the chosen sampler can run with
    void refreshCheckpointFamily();

    PromptEdit* m_prompt = nullptr;
    PromptEdit* m_negative = nullptr;
    PromptEdit* m_target = nullptr; // where the browser inserts: the prompt field last focused
    TagWeightSlider* m_weight = nullptr;
    QTabWidget* m_tabs = nullptr;
    ExtraNetworkBrowser* m_browser = nullptr;
    QHash<QString, std::string> m_checkpointFamilies; // by path
    QComboBox* m_model = nullptr;
    QComboBox* m_vae = nullptr;
    QToolButton* m_modelFolders = nullptr;
    QComboBox* m_mode = nullptr;
    QComboBox* m_sampler = nullptr;
    QComboBox* m_schedule = nullptr;
    QComboBox* m_prediction = nullptr;
    QSpinBox* m_steps = nullptr;
    QDoubleSpinBox* m_guidance = nullptr;
    QSpinBox* m_seed = nullptr;
    QCheckBox* m_randomSeed = nullptr;
    QToolButton* m_reuseSeed = nullptr;
    QCheckBox* m_sizeFromRegion = nullptr;
    QSpinBox* m_width = nullptr;
    QSpinBox* m_height = nullptr;
    QDoubleSpinBox* m_strength = nullptr;
    QSpinBox* m_batch = nullptr;
    QSpinBox* m_queueCount = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    MessageBanner* m_message = nullptr;
    LiveControls* m_live = nullptr;
    HiresControls* m_hires = nullptr;
    generation::Mode m_suggestedMode = generation::Mode::Txt2Img;
    int64_t m_lastSeed = -1;
};

} // namespace gesso::ui
