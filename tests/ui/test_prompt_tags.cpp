// The prompt editor's reading of A1111 syntax around the cursor: which weight the slider edits, how it is
// rewritten, what is completed and where a browser insertion goes. Pure functions, no widgets.
#include "ui/prompt_tags.h"

#include <QtTest/QtTest>

using namespace gesso::ui;

class TestPromptTags : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void formatsWeightsAsA1111() {
        QCOMPARE(formatWeight(1.0), QString("1"));
        QCOMPARE(formatWeight(0.85), QString("0.85"));
        QCOMPARE(formatWeight(1.5), QString("1.5"));
        QCOMPARE(formatWeight(-0.5), QString("-0.5"));
        QCOMPARE(formatWeight(0.30000000001), QString("0.3"));
        QCOMPARE(formatWeight(1.234), QString("1.23"));
        QCOMPARE(formatWeight(-0.001), QString("0"));
        QCOMPARE(formatWeight(2.0), QString("2"));
    }

    void findsTheLoraWeightUnderTheCursor() {
        const QString text = "a fox, <lora:style one:0.8>, night";
        const int tagStart = int(text.indexOf('<'));
        const int tagEnd = int(text.indexOf('>')) + 1;
        QVERIFY(!weightedTagAt(text, tagStart).has_value()); // before '<'
        for (int cursor = tagStart + 1; cursor <= tagEnd; ++cursor) {
            const auto tag = weightedTagAt(text, cursor);
            QVERIFY2(tag.has_value(), qPrintable(QString::number(cursor)));
            QCOMPARE(tag->kind, WeightedTag::Kind::Lora);
            QCOMPARE(tag->label, QString("style one"));
            QCOMPARE(tag->weight, 0.8);
            QCOMPARE(text.mid(tag->numberStart, tag->numberEnd - tag->numberStart), QString("0.8"));
            QCOMPARE(tag->start, tagStart);
            QCOMPARE(tag->end, tagEnd);
        }
        QVERIFY(!weightedTagAt(text, tagEnd + 1).has_value());
        QVERIFY(!weightedTagAt(text, 2).has_value());
    }

    void readsTheFirstMultiplierOfEveryLoraForm() {
        auto weightOf = [](const QString& text) {
            const auto tag = weightedTagAt(text, 3);
            return tag ? text.mid(tag->numberStart, tag->numberEnd - tag->numberStart) : QString("none");
        };
        QCOMPARE(weightOf("<lora:x:0.5:1.2>"), QString("0.5"));         // te:unet
        QCOMPARE(weightOf("<lyco:x: 1.25 >"), QString("1.25"));         // spaces around
        QCOMPARE(weightOf("<lora:x:unet=0.3:te=0.7>"), QString("0.7")); // named form: te=
        QCOMPARE(weightOf("<lora:x:-1>"), QString("-1"));
        QCOMPARE(weightOf("<lora:x:abc>"), QString("none"));
        QCOMPARE(weightOf("<hypernet:x:0.5>"), QString("none"));
        const auto bare = weightedTagAt("<lora:x>", 3);
        QVERIFY(bare.has_value());
        QCOMPARE(bare->weight, 1.0); // A1111's multiplier when none is written
        QCOMPARE(bare->numberStart, bare->numberEnd);
        QCOMPARE(applyEdit("<lora:x>", weightEdit(*bare, 0.6)), QString("<lora:x:0.6>"));
    }

    void findsTheInnermostWeightedGroup() {
        const QString text = "(a (b:1.2) c:0.9), (plain), \\(d:1.5\\)";
        auto at = [&](const QString& marker) { return weightedTagAt(text, int(text.indexOf(marker)) + 1); };
        QCOMPARE(at("b")->weight, 1.2);
        QCOMPARE(at("b")->label, QString("b"));
        QCOMPARE(at("a")->weight, 0.9);
        QCOMPARE(at("c")->weight, 0.9);
        QCOMPARE(at("a")->label, QString("a (b:1.2) c"));
        QVERIFY(!at("plain").has_value()); // (plain) has no weight written
        QVERIFY(!at("d").has_value());     // escaped brackets are text
        // Just after the ')' still edits the group.
        const auto after = weightedTagAt(text, int(text.indexOf("0.9")) + 4);
        QVERIFY(after.has_value());
        QCOMPARE(after->weight, 0.9);
    }

    void aLoraTagInsideAGroupWins() {
        const QString text = "(fox <lora:x:0.4>:1.3)";
        QCOMPARE(weightedTagAt(text, int(text.indexOf("<lora")) + 2)->kind, WeightedTag::Kind::Lora);
        QCOMPARE(weightedTagAt(text, 2)->kind, WeightedTag::Kind::Emphasis);
        QCOMPARE(weightedTagAt(text, 2)->weight, 1.3);
    }

    void rewritesOnlyTheNumber() {
        const QString text = "(oil painting:1.2), <lora:ink:0.80:1>";
        auto group = weightedTagAt(text, 3);
        QCOMPARE(applyEdit(text, weightEdit(*group, 1.45)),
                 QString("(oil painting:1.45), <lora:ink:0.80:1>"));
        QCOMPARE(applyEdit(text, weightEdit(*group, 1.0)), QString("(oil painting:1), <lora:ink:0.80:1>"));
        auto lora = weightedTagAt(text, int(text.indexOf("ink")));
        QCOMPARE(applyEdit(text, weightEdit(*lora, -0.25)),
                 QString("(oil painting:1.2), <lora:ink:-0.25:1>"));
    }

    void listsTagsAndFindsALoraByName() {
        const QString text = "<lora:a:1> x <lyco:b:0.5> <hypernet:c:1>";
        const auto tags = networkTags(text);
        QCOMPARE(int(tags.size()), 3);
        QCOMPARE(tags[1].name, QString("b"));
        QVERIFY(tags[1].isLora());
        QVERIFY(!tags[2].isLora());
        QCOMPARE(findLoraTag(text, "b")->start, int(text.indexOf("<lyco")));
        QVERIFY(!findLoraTag(text, "c").has_value()); // a hypernetwork, not a LoRA
        QVERIFY(!findLoraTag(text, "B").has_value()); // names are exact, as A1111 looks them up
    }

    void insertsWithSpacesOnlyWhereNeeded() {
        QCOMPARE(applyEdit("", insertionAt("", 0, "<lora:a:1>")), QString("<lora:a:1>"));
        QCOMPARE(applyEdit("fox", insertionAt("fox", 3, "<lora:a:1>")), QString("fox <lora:a:1>"));
        QCOMPARE(applyEdit("fox, ", insertionAt("fox, ", 5, "emb")), QString("fox, emb"));
        QCOMPARE(applyEdit("foxcat", insertionAt("foxcat", 3, "emb")), QString("fox emb cat"));
        QCOMPARE(applyEdit("(:1.2)", insertionAt("(:1.2)", 1, "emb")), QString("(emb:1.2)"));
        QCOMPARE(loraTagText("my lora"), QString("<lora:my lora:1>"));
    }

    void completesLoraNamesAfterTheTagOpening() {
        const QString open = "a fox, <lora:ko";
        auto c = completionAt(open, int(open.size()));
        QCOMPARE(c.kind, Completion::Kind::LoraName);
        QCOMPARE(c.prefix, QString("ko"));
        QVERIFY(!c.closed);
        QCOMPARE(applyEdit(open, completionEdit(c, "kohya")), QString("a fox, <lora:kohya:1>"));

        const QString empty = "<lyco:";
        c = completionAt(empty, int(empty.size()));
        QCOMPARE(c.kind, Completion::Kind::LoraName);
        QCOMPARE(c.prefix, QString());

        // Renaming inside a closed tag keeps its weight.
        const QString closed = "<lora:old:0.5>";
        c = completionAt(closed, 7);
        QCOMPARE(c.kind, Completion::Kind::LoraName);
        QVERIFY(c.closed);
        QCOMPARE(applyEdit(closed, completionEdit(c, "new")), QString("<lora:new:0.5>"));

        QCOMPARE(completionAt("<lora:x:0.", 10).kind, Completion::Kind::None); // in the weight
        QCOMPARE(completionAt("<hypernet:x", 11).kind, Completion::Kind::None);
    }

    void completesWordsOutsideTags() {
        const QString text = "a fox, bad";
        auto c = completionAt(text, int(text.size()));
        QCOMPARE(c.kind, Completion::Kind::Word);
        QCOMPARE(c.prefix, QString("bad"));
        QCOMPARE(applyEdit(text, completionEdit(c, "badhands")), QString("a fox, badhands"));
        QCOMPARE(completionAt("a b", 3).kind, Completion::Kind::None);      // shorter than 2
        QCOMPARE(completionAt("badhands", 3).kind, Completion::Kind::None); // mid-word
        QCOMPARE(completionAt("(bad", 4).prefix, QString("bad"));
        QCOMPARE(completionAt("<lora:x:1> ", 11).kind, Completion::Kind::None);
    }

    void splitsPromptWordsOutsideTags() {
        const QString text = "(badhands:1.2), <lora:badhands:1> easy-neg";
        QStringList words;
        for (const auto& w : promptWords(text))
            words << text.mid(w.start, w.end - w.start);
        QCOMPARE(words, QStringList({"badhands", "1.2", "easy-neg"}));
    }
};

QTEST_APPLESS_MAIN(TestPromptTags)
#include "test_prompt_tags.moc"
