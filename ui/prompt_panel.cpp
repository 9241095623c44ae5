#include "ui/prompt_panel.h"

#include "core/generation/sampler_names.h"

#include "ui/extra_network_browser.h"
#include "ui/hires_controls.h"
#include "ui/live_controls.h"
#include "ui/prompt_edit.h"
#include "ui/tag_weight_slider.h"
#include "ui/view_to_qstring.h"

#include <QtCore/QFileInfo>

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace gesso::ui {

namespace {

constexpr int kNativeSizeRole = Qt::UserRole + 1;

QString modeName(generation::Mode mode) {
    switch (mode) {
    case generation::Mode::Txt2Img:
        return QObject::tr("text to image");
    case generation::Mode::Img2Img:
        return QObject::tr("image to image");
    case generation::Mode::Inpaint:
        return QObject::tr("inpaint");
    }
    return {};
}

PromptEdit* makePromptEdit(QWidget* parent, const QString& placeholder, const char* name, int lines) {
    auto* edit = new PromptEdit(parent);
    edit->setObjectName(name);
    edit->setPlaceholderText(placeholder);
    edit->setTabChangesFocus(true);
    edit->setFixedHeight(edit->fontMetrics().lineSpacing() * lines + 12);
    return edit;
}

} // namespace

PromptPanel::PromptPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);

    m_prompt = makePromptEdit(this, tr("Describe the picture, e.g. a lighthouse at dusk, (oil painting:1.2)"),
                              "prompt", 4);
    m_negative = makePromptEdit(this, tr("Negative prompt: what to avoid"), "negativePrompt", 2);
    layout->addWidget(m_prompt);
    layout->addWidget(m_negative);
    m_weight = new TagWeightSlider(this);
    m_weight->attach(m_prompt);
    m_weight->attach(m_negative);
    layout->addWidget(m_weight);
    m_target = m_prompt;
    for (PromptEdit* edit : {m_prompt, m_negative})
        connect(edit, &PromptEdit::focusReceived, this, [this, edit] {
            m_target = edit;
            m_weight->setActiveEdit(edit);
        });

    auto* modelForm = new QFormLayout;
    modelForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* modelRow = new QHBoxLayout;
    m_model = new QComboBox(this);
    m_model->setObjectName("modelPicker");
    m_model->setMinimumContentsLength(12);
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_modelFolders = new QToolButton(this);
    m_modelFolders->setText(QString::fromUtf8("\u2026"));
    m_modelFolders->setToolTip(tr("Model folders..."));
    modelRow->addWidget(m_model, 1);
    modelRow->addWidget(m_modelFolders);
    modelForm->addRow(tr("Model"), modelRow);
    layout->addLayout(modelForm);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName("promptTabs");
    m_tabs->setDocumentMode(true);
    auto* settingsPage = new QWidget(m_tabs);
    auto* form = new QFormLayout(settingsPage);
    form->setContentsMargins(0, 4, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_vae = new QComboBox(this);
    m_vae->setObjectName("vaePicker");
    m_vae->setToolTip(tr("A VAE file used instead of the model's own (decodes the picture)"));
    m_vae->addItem(tr("Automatic"), QString());
    form->addRow(tr("VAE"), m_vae);

    m_mode = new QComboBox(this);
    m_mode->setObjectName("modePicker");
    m_mode->addItem(tr("Auto"));
    m_mode->addItem(tr("Text to image"), int(generation::Mode::Txt2Img));
    m_mode->addItem(tr("Image to image"), int(generation::Mode::Img2Img));
    m_mode->addItem(tr("Inpaint"), int(generation::Mode::Inpaint));
    m_mode->setToolTip(
        tr("Auto: an empty region generates from text, paint in the region is the starting image, "
           "a painted mask inpaints"));
    form->addRow(tr("Mode"), m_mode);

    m_sampler = new QComboBox(this);
    m_sampler->setObjectName("samplerPicker");
    for (const auto& kind : generation::kSamplerKinds)
        m_sampler->addItem(fromView(kind.a1111Name), fromView(kind.id));
    // A1111's "Schedule type", beside the sampler: offered for the samplers that have a choice.
    m_schedule = new QComboBox(this);
    m_schedule->setObjectName("schedulePicker");
    m_schedule->setToolTip(tr("Schedule type"));
    for (QComboBox* box : {m_sampler, m_schedule}) {
        box->setMinimumContentsLength(6);
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    }
    auto* samplerRow = new QHBoxLayout;
    samplerRow->addWidget(m_sampler, 3);
    samplerRow->addWidget(m_schedule, 2);
    form->addRow(tr("Sampler"), samplerRow);
    connect(m_sampler, &QComboBox::currentIndexChanged, this, [this] { offerSchedules(); });
    offerSchedules();

    m_prediction = new QComboBox(this);
    m_prediction->setObjectName("predictionPicker");
    m_prediction->addItem(tr("Auto"), QString("auto"));
    m_prediction->addItem(tr("Epsilon"), QString("epsilon"));
    m_prediction->addItem(tr("v"), QString("v"));
    m_prediction->setToolTip(tr("What the model predicts. Auto: what the file states; SD2 files that state "
                                "nothing are guessed by a test evaluation (see the warnings). Choose epsilon "
                                "(SD2 512-base) or v (SD2 768-v) when images come out grey or burnt."));
    form->addRow(tr("Prediction"), m_prediction);

    auto* stepsRow = new QHBoxLayout;
    m_steps = new QSpinBox(this);
    m_steps->setObjectName("steps");
    m_steps->setRange(1, 150);
    m_steps->setValue(20);
    m_guidance = new QDoubleSpinBox(this);
    m_guidance->setObjectName("guidance");
    m_guidance->setRange(0.0, 30.0);
    m_guidance->setSingleStep(0.5);
    m_guidance->setValue(7.5);
    stepsRow->addWidget(m_steps);
    stepsRow->addWidget(new QLabel(tr("CFG"), this));
    stepsRow->addWidget(m_guidance);
    form->addRow(tr("Steps"), stepsRow);

    auto* seedRow = new QHBoxLayout;
    m_seed = new QSpinBox(this);
    m_seed->setObjectName("seed");
    m_seed->setRange(0, 2147483647);
    m_randomSeed = new QCheckBox(tr("Random"), this);
    m_randomSeed->setObjectName("randomSeed");
    m_randomSeed->setChecked(true);
    m_seed->setEnabled(false);
    m_reuseSeed = new QToolButton(this);
    m_reuseSeed->setText(QString::fromUtf8("\u267B"));
    m_reuseSeed->setToolTip(tr("Reuse the last seed"));
    m_reuseSeed->setEnabled(false);
    seedRow->addWidget(m_seed, 1);
    seedRow->addWidget(m_randomSeed);
    seedRow->addWidget(m_reuseSeed);
    form->addRow(tr("Seed"), seedRow);

    auto* sizeRow = new QHBoxLayout;
    m_width = new QSpinBox(this);
    m_height = new QSpinBox(this);
    for (QSpinBox* box : {m_width, m_height}) {
        box->setRange(64, 4096);
        box->setSingleStep(64);
        box->setValue(512);
        box->setEnabled(false);
    }
    m_width->setObjectName("genWidth");
    m_height->setObjectName("genHeight");
    m_sizeFromRegion = new QCheckBox(tr("Region"), this);
    m_sizeFromRegion->setObjectName("sizeFromRegion");
    m_sizeFromRegion->setToolTip(tr(
        "Ticked: generate at the region's shape, scaled to the model's picture size. Unticked: at the size "
        "set here; a size of another shape goes unstretched into the middle of the region."));
    m_sizeFromRegion->setChecked(true);
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QString::fromUtf8("\u00d7"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(m_sizeFromRegion);
    form->addRow(tr("Size"), sizeRow);

    auto* strengthRow = new QHBoxLayout;
    m_strength = new QDoubleSpinBox(this);
    m_strength->setObjectName("strength");
    m_strength->setRange(0.0, 1.0);
    m_strength->setSingleStep(0.05);
    m_strength->setValue(0.75);
    m_batch = new QSpinBox(this);
    m_batch->setObjectName("batch");
    m_batch->setRange(1, 16);
    strengthRow->addWidget(m_strength);
    strengthRow->addWidget(new QLabel(tr("Batch"), this));
    strengthRow->addWidget(m_batch);
    m_hires = new HiresControls(this);
    strengthRow->addWidget(m_hires->enabledBox());
    form->addRow(tr("Strength"), strengthRow);
    form->addRow(tr("Hires"), m_hires);
    form->setRowVisible(m_hires, false);
    connect(m_hires, &HiresControls::toggled, this,
            [form, this](bool on) { form->setRowVisible(m_hires, on); });
    for (QSpinBox* box : {m_width, m_height})
        connect(box, &QSpinBox::valueChanged, m_hires,
                [this] { m_hires->setBaseSize(m_width->value() / 8 * 8, m_height->value() / 8 * 8); });
    m_hires->setBaseSize(m_width->value(), m_height->value());
    m_tabs->addTab(settingsPage, tr("Settings"));
    m_browser = new ExtraNetworkBrowser(m_tabs);
    m_tabs->addTab(m_browser, tr("LoRAs && embeddings"));
    // Not expanding: a taller window gives its height to the Layers dock below (see sizeHint).
    m_tabs->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    layout->addWidget(m_tabs, 1);
    connect(m_browser, &ExtraNetworkBrowser::insertRequested, this, &PromptPanel::insertNetwork);

    auto* buttons = new QHBoxLayout;
    m_generate = new QPushButton(tr("Generate"), this);
    m_generate->setObjectName("generateButton");
    m_generate->setDefault(true);
    // The shortcuts (Ctrl+Enter, Ctrl+G) belong to the window's Generate action, so they work from anywhere.
    m_generate->setToolTip(tr("Generate (Ctrl+Enter); adds to the queue while another generation runs"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName("cancelButton");
    m_cancel->setEnabled(false);
    auto* cancelMenu = new QMenu(m_cancel);
    cancelMenu->addAction(tr("Cancel current"), this, &PromptPanel::cancelRequested);
    cancelMenu->addAction(tr("Cancel all queued"), this, &PromptPanel::cancelAllRequested);
    m_queueCount = new QSpinBox(this);
    m_queueCount->setObjectName("queueCount");
    m_queueCount->setRange(1, 99);
    m_queueCount->setPrefix(QString::fromUtf8("\u00d7"));
    m_queueCount->setToolTip(
        tr("Generate queues this many generations, the seed counting up from the one set "
           "(or from a random one)"));
    m_live = new LiveControls(this);
    buttons->addWidget(m_generate, 2);
    buttons->addWidget(m_queueCount);
    buttons->addWidget(m_cancel, 1);
    buttons->addWidget(m_live->toggleButton());
    layout->addLayout(buttons);
    layout->addWidget(m_live);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName("generationProgress");
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    layout->addWidget(m_progress);

    // Below everything and of fixed height, so a message never moves the controls above it.
    m_message = new MessageBanner(this);
    m_message->setObjectName("promptMessage");
    layout->addWidget(m_message);

    connect(m_generate, &QPushButton::clicked, this, &PromptPanel::generateRequested);
    connect(m_cancel, &QPushButton::clicked, this, &PromptPanel::cancelRequested);
    m_cancel->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_cancel, &QWidget::customContextMenuRequested, this,
            [this, cancelMenu](const QPoint& p) { cancelMenu->popup(m_cancel->mapToGlobal(p)); });
    connect(m_modelFolders, &QToolButton::clicked, this, &PromptPanel::modelFoldersRequested);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &PromptPanel::modeChanged);
    connect(m_mode, &QComboBox::currentIndexChanged, m_hires, [this] {
        m_hires->setApplies(modeOverride().value_or(m_suggestedMode) == generation::Mode::Txt2Img);
    });
    connect(m_model, &QComboBox::currentIndexChanged, this, [this] {
        refreshCheckpointFamily();
        if (!modelPath().isEmpty()) Q_EMIT modelChosen(modelPath());
    });
    connect(m_randomSeed, &QCheckBox::toggled, m_seed, [this](bool random) { m_seed->setEnabled(!random); });
    connect(m_reuseSeed, &QToolButton::clicked, this, [this] {
        if (m_lastSeed < 0) return;
        m_randomSeed->setChecked(false);
        m_seed->setValue(int(m_lastSeed & 0x7fffffff));
    });
    connect(m_sizeFromRegion, &QCheckBox::toggled, this, [this](bool follow) {
        m_width->setEnabled(!follow);
        m_height->setEnabled(!follow);
    });

    // Whatever changes what a generation would render (live mode re-renders on it).
    auto edited = [this] { Q_EMIT settingsEdited(); };
    connect(m_prompt, &QPlainTextEdit::textChanged, this, edited);
    connect(m_negative, &QPlainTextEdit::textChanged, this, edited);
    for (QComboBox* box : {m_model, m_vae, m_sampler, m_schedule, m_prediction})
        connect(box, &QComboBox::currentIndexChanged, this, edited);
    connect(m_steps, &QSpinBox::valueChanged, this, edited);
    connect(m_seed, &QSpinBox::valueChanged, this, edited);
    connect(m_guidance, &QDoubleSpinBox::valueChanged, this, edited);
    connect(m_randomSeed, &QCheckBox::toggled, this, edited);
    connect(m_hires, &HiresControls::edited, this, edited);
}

int PromptPanel::queueCount() const {
    return m_queueCount->value();
}

QSize PromptPanel::sizeHint() const {
    return {QWidget::sizeHint().width(), minimumSizeHint().height()};
}

void PromptPanel::offerSchedules() {
    // An explicit choice carries over to the next sampler that offers it; otherwise "Automatic".
    const QString kept = m_schedule->isEnabled() ? m_schedule->currentText() : QString();
    m_schedule->clear();
    if (const auto* kind = generation::samplerKind(m_sampler->currentData().toString().toStdString())) {
        for (const auto& schedule : generation::kSamplerSchedules) {
            // A1111's "Automatic": the schedule it uses for this sampler when none is chosen.
            if (kind->schedules != generation::kUniform && schedule.bit == kind->automatic)
                m_schedule->insertItem(0, tr("Automatic (%1)").arg(fromView(schedule.a1111Name)),
                                       fromView(schedule.suffix));
            if (kind->schedules & schedule.bit)
                m_schedule->addItem(fromView(schedule.a1111Name), fromView(schedule.suffix));
        }
    }
    const int same = m_schedule->findText(kept);
    m_schedule->setCurrentIndex(same >= 0 ? same : 0);
    m_schedule->setEnabled(m_schedule->count() > 1);
}

generation::GenerationSettings PromptPanel::settings() const {
    generation::GenerationSettings r;
    r.modelPath = modelPath().toStdString();
    r.vaePath = m_vae->currentData().toString().toStdString();
    r.prompt = m_prompt->toPlainText().toStdString();
    r.negativePrompt = m_negative->toPlainText().toStdString();
    r.sampler = m_sampler->currentData().toString().toStdString() +
                m_schedule->currentData().toString().toStdString();
    r.prediction = m_prediction->currentData().toString().toStdString();
    r.steps = m_steps->value();
    r.guidance = m_guidance->value();
    r.seed = m_randomSeed->isChecked() ? -1 : m_seed->value();
    r.width = m_sizeFromRegion->isChecked() ? 0 : m_width->value() / 8 * 8;
    r.height = m_sizeFromRegion->isChecked() ? 0 : m_height->value() / 8 * 8;
    r.strength = m_strength->value();
    r.batch = m_batch->value();
    m_hires->apply(r);
    return r;
}

void PromptPanel::setSettings(const generation::GenerationSettings& r) {
    if (!r.modelPath.empty()) selectModel(QString::fromStdString(r.modelPath));
    const QString vae = QString::fromStdString(r.vaePath);
    if (m_vae->findData(vae) < 0) m_vae->addItem(QFileInfo(vae).fileName(), vae); // not in the library (yet)
    m_vae->setCurrentIndex(m_vae->findData(vae));
    m_prompt->setPlainText(QString::fromStdString(r.prompt));
    m_negative->setPlainText(QString::fromStdString(r.negativePrompt));
    if (const auto choice = generation::parseSamplerId(r.sampler)) {
        m_sampler->setCurrentIndex(m_sampler->findData(fromView(choice->kind->id)));
        m_schedule->setCurrentIndex(m_schedule->findData(fromView(choice->schedule->suffix)));
    }
    const int prediction =
        m_prediction->findData(QString::fromStdString(r.prediction.empty() ? "auto" : r.prediction));
    m_prediction->setCurrentIndex(prediction >= 0 ? prediction : 0);
    m_steps->setValue(r.steps);
    m_guidance->setValue(r.guidance);
    m_randomSeed->setChecked(r.seed < 0);
    if (r.seed >= 0) m_seed->setValue(int(r.seed & 0x7fffffff));
    m_sizeFromRegion->setChecked(r.width <= 0 || r.height <= 0);
    if (r.width > 0 && r.height > 0) {
        m_width->setValue(r.width);
        m_height->setValue(r.height);
    }
    m_strength->setValue(r.strength);
    m_batch->setValue(r.batch);
    m_hires->showSettings(r);
}

std::optional<generation::Mode> PromptPanel::modeOverride() const {
    QVariant data = m_mode->currentData();
    if (!data.isValid()) return std::nullopt;
    return static_cast<generation::Mode>(data.toInt());
}

void PromptPanel::setSuggestedMode(generation::Mode mode) {
    m_suggestedMode = mode;
    m_mode->setItemText(0, tr("Auto (%1)").arg(modeName(mode)));
    m_hires->setApplies(modeOverride().value_or(mode) == generation::Mode::Txt2Img);
}

void PromptPanel::setRegionSize(int width, int height) {
    if (!m_sizeFromRegion->isChecked()) return;
    m_width->setValue(width);
    m_height->setValue(height);
}

void PromptPanel::setLastSeed(int64_t seed) {
    m_lastSeed = seed;
    m_reuseSeed->setEnabled(seed >= 0);
    m_reuseSeed->setToolTip(tr("Reuse the last seed (%1)").arg(seed));
}

void PromptPanel::setModels(const std::vector<engine::ModelEntry>& models) {
    QString current = modelPath();
    m_model->clear();
    for (const auto& model : models) {
        m_model->addItem(QString::fromStdString(model.name), QString::fromStdString(model.path.string()));
        m_model->setItemData(m_model->count() - 1, model.nativeSize, kNativeSizeRole);
    }
    m_model->setPlaceholderText(models.empty() ? tr("No models: add a folder with ...") : QString());
    if (!current.isEmpty()) selectModel(current);
    if (m_model->currentIndex() < 0 && !models.empty()) m_model->setCurrentIndex(0);
}

void PromptPanel::setVaes(const std::vector<std::pair<QString, QString>>& vaes) {
    const QString current = m_vae->currentData().toString();
    m_vae->clear();
    m_vae->addItem(tr("Automatic"), QString());
    for (const auto& [label, path] : vaes)
        m_vae->addItem(label, path);
    if (m_vae->findData(current) < 0) m_vae->addItem(QFileInfo(current).fileName(), current);
    m_vae->setCurrentIndex(m_vae->findData(current));
}

int PromptPanel::modelNativeSize() const {
    return m_model->currentData(kNativeSizeRole).toInt();
}

QString PromptPanel::modelPath() const {
    return m_model->currentData().toString();
}

void PromptPanel::selectModel(const QString& path) {
    int index = m_model->findData(path);
    if (index >= 0) m_model->setCurrentIndex(index);
}

void PromptPanel::setLibraryEntries(const std::vector<library::LibraryEntry>& entries) {
    m_checkpointFamilies.clear();
    for (const auto& e : entries)
        if (e.info.kind == library::Kind::Checkpoint)
            m_checkpointFamilies.insert(QString::fromStdString(e.path.string()), e.info.family);
    std::vector<ExtraNetwork> networks = extraNetworks(entries);
    m_prompt->setNetworks(networks);
    m_negative->setNetworks(networks);
    const int count = int(networks.size());
    m_browser->setNetworks(std::move(networks));
    m_tabs->setTabText(m_tabs->indexOf(m_browser),
                       count ? tr("LoRAs && embeddings (%1)").arg(count) : tr("LoRAs && embeddings"));
    refreshCheckpointFamily();
}

void PromptPanel::refreshCheckpointFamily() {
    m_browser->setCheckpointFamily(m_checkpointFamilies.value(modelPath()));
}

void PromptPanel::insertNetwork(const ExtraNetwork& network) {
    PromptEdit* edit = m_target;
    const QString text = edit->toPlainText();
    const bool lora = network.kind == library::Kind::Lora;
    QTextCursor cursor = edit->textCursor();
    if (const auto existing = lora ? findLoraTag(text, network.name) : std::nullopt) {
        cursor.setPosition(existing->start);
        cursor.setPosition(existing->end, QTextCursor::KeepAnchor);
    } else {
        const QString insert = lora ? loraTagText(network.name) : network.name;
        const TextEdit insertion = insertionAt(text, cursor.selectionEnd(), insert);
        cursor.setPosition(insertion.start);
        cursor.insertText(insertion.text);
        // Just after the inserted name or tag (before a separating space): the weight slider shows a LoRA's.
        cursor.setPosition(insertion.start + int(insertion.text.indexOf(insert) + insert.size()));
    }
    edit->setTextCursor(cursor);
    m_weight->setActiveEdit(edit);
    edit->setFocus();
}

void PromptPanel::setBusy(bool busy, int queued) {
    m_cancel->setEnabled(busy);
    m_generate->setText(busy ? tr("Queue") : tr("Generate"));
    m_cancel->setText(queued > 0 ? tr("Cancel (+%1 queued)").arg(queued) : tr("Cancel"));
}

void PromptPanel::showProgress(int step, int total, double etaSeconds) {
    m_progress->setRange(0, std::max(1, total));
    m_progress->setValue(step);
    QString format = tr("step %v / %m");
    if (etaSeconds > 0)
        format += QString::fromUtf8(" \u00b7 ") +
                  tr("about %1 s left").arg(etaSeconds, 0, 'f', etaSeconds < 10 ? 1 : 0);
    m_progress->setFormat(format);
    m_progress->setTextVisible(true);
}

void PromptPanel::clearProgress() {
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
}

void PromptPanel::showMessage(const QString& text, bool error) {
    m_message->showMessage(text, error);
}

void PromptPanel::clearMessage() {
    m_message->hide();
}

} // namespace gesso::ui
