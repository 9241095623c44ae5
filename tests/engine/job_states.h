#pragma once
// Records every Engine::jobStateChanged per job and prints a sequence as "queued 0/3, loading 0/3, ...", for
// the engine and live-mode tests' comparisons.
#include "core/engine/engine.h"

#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <map>
#include <vector>

namespace gesso::test {

class JobStates {
public:
    explicit JobStates(engine::Engine& engine) {
        QObject::connect(&engine, &engine::Engine::jobStateChanged,
                         [this](quint64 id, engine::JobState state, int step, int steps) {
                             m_states[id].push_back({state, step, steps});
                         });
    }
    const std::vector<engine::JobStatus>& of(quint64 id) { return m_states[id]; }
    bool reached(quint64 id, engine::JobState state) {
        for (const auto& status : of(id))
            if (status.state == state) return true;
        return false;
    }

    static QString describe(const std::vector<engine::JobStatus>& states) {
        QStringList parts;
        for (const auto& s : states)
            parts << QString("%1 %2/%3").arg(engine::jobStateName(s.state)).arg(s.step).arg(s.steps);
        return parts.join(", ");
    }

private:
    std::map<quint64, std::vector<engine::JobStatus>> m_states;
};

} // namespace gesso::test
