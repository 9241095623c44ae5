// Legacy (pre-1.6) torch.save files: four pickles in a row (magic number, protocol, sys_info, the object)
// followed by the raw storages. The restricted unpickler reads only the zip format, so this walks the
// object pickle opcode by opcode without building anything: a string followed by the global
// torch._utils._rebuild_tensor_v2 is a tensor's name. Shapes are not recovered (documented limit: enough to
// tell old ESRGAN upscalers and embeddings apart, which is what these files are today).
#include "core/library/tensor_listing.h"
#include "core/runtime/error.h"

#include <cstring>
#include <set>

namespace gesso::library {

namespace {

constexpr unsigned char kMagic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr size_t kMaxStrings = 1u << 20;

class PickleWalker {
public:
    PickleWalker(const uint8_t* data, size_t size, std::string label)
        : m_data(data), m_size(size), m_label(std::move(label)) {}

    [[noreturn]] void fail(const std::string& problem) const {
        throw Error("'" + m_label + "' is not a readable legacy PyTorch file: " + problem + " at byte " +
                    std::to_string(m_pos));
    }

    // Walks one pickle up to and including STOP. `collect`: record strings and tensor names.
    void walk(TensorListing* collect) {
        // The latest string, while only memo puts followed it; whether the latest value is the tensor rebuild
        // global (pickle memoizes it: every tensor after the first fetches it with BINGET).
        std::string lastString;
        bool haveString = false;
        bool rebuild = false;
        std::set<uint64_t> rebuildMemo;
        uint64_t memoCount = 0;
        auto fetched = [&](uint64_t index) {
            if (collect && haveString && rebuildMemo.count(index)) collect->shapes[lastString] = {};
        };
        while (true) {
            const uint8_t op = byte();
            switch (op) {
            case '.':
                return; // STOP
            // Memo puts keep the latest value current.
            case 0x94:
                memoized(memoCount++, rebuild, rebuildMemo);
                continue; // MEMOIZE
            case 'q':
                memoized(length(1), rebuild, rebuildMemo);
                continue; // BINPUT
            case 'r':
                memoized(length(4), rebuild, rebuildMemo);
                continue; // LONG_BINPUT
            case 'h':
                fetched(length(1));
                break; // BINGET
            case 'j':
                fetched(length(4));
                break; // LONG_BINGET
            case 'U':
            case 0x8c:
                found(text(length(1)), lastString, haveString, collect);
                rebuild = false;
                continue;
            case 'T':
            case 'X':
                found(text(length(4)), lastString, haveString, collect);
                rebuild = false;
                continue;
            case 0x8d:
                found(text(length(8)), lastString, haveString, collect);
                rebuild = false;
                continue;
            // No argument.
            case '(':
            case '0':
            case '1':
            case '2':
            case 'N':
            case 'R':
            case 'a':
            case 'b':
            case 'd':
            case '}':
            case 'e':
            case 'l':
            case ']':
            case 'o':
            case 's':
            case 't':
            case ')':
            case 'u':
            case 'Q':
            case 0x81:
            case 0x85:
            case 0x86:
            case 0x87:
            case 0x88:
            case 0x89:
            case 0x93:
            case 0x92:
            case 0x8f:
            case 0x90:
            case 0x91:
            case 0x97:
            case 0x98:
                break;
            case 'K':
            case 0x80:
            case 0x82:
                skip(1);
                break;
            case 'M':
            case 0x83:
                skip(2);
                break;
            case 'J':
            case 0x84:
                skip(4);
                break;
            case 'G':
            case 0x95:
                skip(8);
                break;
            case 0x8a:
            case 'C':
                skip(length(1));
                break; // LONG1, SHORT_BINBYTES
            case 0x8b:
            case 'B':
                skip(length(4));
                break; // LONG4, BINBYTES
            case 0x8e:
            case 0x96:
                skip(length(8));
                break;
            case 'c': { // GLOBAL module\nname\n
                const std::string module = line(), name = line();
                const bool isRebuild =
                    module == "torch._utils" && (name == "_rebuild_tensor_v2" || name == "_rebuild_tensor");
                if (collect && haveString && isRebuild) collect->shapes[lastString] = {};
                haveString = false;
                rebuild = isRebuild;
                continue;
            }
            case 'i':
                line();
                line();
                break;
            case 'I':
            case 'L':
            case 'F':
            case 'S':
            case 'V':
            case 'p':
            case 'g':
            case 'P':
                line();
                break;
            default:
                fail("unknown pickle opcode " + std::to_string(op));
            }
            haveString = false;
            rebuild = false;
        }
    }

private:
    uint8_t byte() {
        if (m_pos >= m_size) fail("unexpected end of data");
        return m_data[m_pos++];
    }
    void skip(uint64_t n) {
        if (n > m_size - m_pos) fail("unexpected end of data");
        m_pos += size_t(n);
    }
    uint64_t length(int bytes) {
        if (size_t(bytes) > m_size - m_pos) fail("unexpected end of data");
        uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i)
            v = (v << 8) | m_data[m_pos + size_t(i)];
        m_pos += size_t(bytes);
        return v;
    }
    static void memoized(uint64_t index, bool rebuild, std::set<uint64_t>& rebuildMemo) {
        if (rebuild) rebuildMemo.insert(index);
    }
    void found(std::string s, std::string& last, bool& have, TensorListing* collect) const {
        if (collect) {
            if (collect->pickleStrings.size() >= kMaxStrings) fail("too many strings");
            collect->pickleStrings.insert(s);
        }
        last = std::move(s);
        have = true;
    }
    std::string text(uint64_t n) {
        const size_t start = m_pos;
        skip(n);
        return std::string(reinterpret_cast<const char*>(m_data + start), size_t(n));
    }
    std::string line() {
        const void* end = std::memchr(m_data + m_pos, '\n', m_size - m_pos);
        if (!end) fail("unterminated text argument");
        const size_t stop = size_t(static_cast<const uint8_t*>(end) - m_data);
        std::string s(reinterpret_cast<const char*>(m_data + m_pos), stop - m_pos);
        m_pos = stop + 1;
        return s;
    }

    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
    std::string m_label;
};

} // namespace

TensorListing listLegacyTorch(const uint8_t* data, size_t size, const std::string& label) {
    if (size < 2 + sizeof kMagic || std::memcmp(data + 2, kMagic, sizeof kMagic) != 0)
        throw Error("'" + label + "' is a plain pickle, not a PyTorch file (no torch.save magic number)");
    PickleWalker walker(data, size, label);
    walker.walk(nullptr); // magic number
    walker.walk(nullptr); // protocol version
    walker.walk(nullptr); // sys_info
    TensorListing out;
    out.format = Format::PytorchLegacy;
    out.label = label;
    out.shapesKnown = false;
    walker.walk(&out);
    return out;
}

} // namespace gesso::library
