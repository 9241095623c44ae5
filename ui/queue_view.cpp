#include "ui/queue_view.h"

#include <QtWidgets/QMenu>

namespace gesso::ui {
namespace {

constexpr int kJobRole = Qt::UserRole;

} // namespace

QueueView::QueueView(engine::Engine& engine, QWidget* parent) : QListWidget(parent), m_engine(engine) {
    setObjectName("generationQueue");
    setToolTip(tr("Running and queued generations: right-click to cancel one or all queued"));
    setWordWrap(true);
    setTextElideMode(Qt::ElideRight);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setContextMenuPolicy(Qt::CustomContextMenu);
    connect(&m_engine, &engine::Engine::queueChanged, this, &QueueView::refresh);
    connect(&m_engine, &engine::Engine::jobStateChanged, this, &QueueView::refresh);
    connect(this, &QWidget::customContextMenuRequested, this, &QueueView::showMenu);
    refresh();
}

QString QueueView::describe(const engine::JobInfo& job) {
    if (job.modelLoad) return tr("Loading the model");
    QString prompt = QString::fromStdString(job.settings.prompt).simplified();
    if (prompt.size() > 50) prompt = prompt.left(47) + "...";
    if (prompt.isEmpty()) prompt = tr("(no prompt)");
    QString state = QString::fromLatin1(engine::jobStateName(job.status.state));
    if (job.status.state == engine::JobState::Denoising)
        state = tr("denoising %1/%2").arg(job.status.step).arg(job.status.steps);
    return tr("%1  [seed %2, %3%4]")
        .arg(prompt)
        .arg(job.settings.seed)
        .arg(state, job.priority == engine::JobPriority::Live ? tr(", live") : QString());
}

void QueueView::refresh() {
    const auto jobs = m_engine.jobs();
    clear();
    for (const auto& job : jobs) {
        auto* item = new QListWidgetItem(describe(job), this);
        item->setData(kJobRole, QVariant::fromValue<qulonglong>(job.id));
    }
}

quint64 QueueView::jobAt(int row) const {
    const QListWidgetItem* it = item(row);
    return it ? it->data(kJobRole).toULongLong() : 0;
}

void QueueView::showMenu(const QPoint& position) {
    QMenu menu(this);
    if (QListWidgetItem* it = itemAt(position)) {
        const quint64 id = it->data(kJobRole).toULongLong();
        menu.addAction(tr("Cancel this one"), this, [this, id] { m_engine.cancel(id); });
    }
    QAction* all = menu.addAction(tr("Cancel all queued"), this, [this] { m_engine.cancelQueued(); });
    all->setEnabled(m_engine.queuedCount() > 0);
    menu.exec(viewport()->mapToGlobal(position));
}

} // namespace gesso::ui
