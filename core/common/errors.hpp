#pragma once
// Typed errors that carry their context. The CLI maps them to exit codes:
// InputError -> 2, NotConverged -> 3, WriteError -> 4.
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace lsflow {

// A file name shared by every record read from that file (a reference count instead of a copy per
// record: a 13,659-bus case has some 50,000 records). Reads as a const std::string&.
class SharedPath {
 public:
  SharedPath() = default;
  SharedPath(std::string path)  // NOLINT(google-explicit-constructor): a path is a path
      : p_(path.empty() ? nullptr : std::make_shared<const std::string>(std::move(path))) {}
  SharedPath(const char* path) : SharedPath(std::string(path)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] const std::string& str() const { return p_ ? *p_ : empty_string(); }
  operator const std::string&() const { return str(); }  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool empty() const { return str().empty(); }
  friend bool operator==(const SharedPath& a, const SharedPath& b) { return a.str() == b.str(); }
  friend bool operator==(const SharedPath& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedPath& a, const char* b) { return a.str() == b; }

 private:
  static const std::string& empty_string() {
    static const std::string e;
    return e;
  }
  std::shared_ptr<const std::string> p_;
};

// Where a record came from in an input file. line == 0 means "no line known".
struct SourceLoc {
  SharedPath file;
  int line = 0;
  [[nodiscard]] std::string str() const {
    if (file.empty()) return {};
    return line > 0 ? fmt::format("{}:{}", file.str(), line) : file.str();
  }
};

// Bad input: prints as `file:line: what is wrong`.
class InputError : public std::runtime_error {
 public:
  InputError(SourceLoc loc, const std::string& message)
      : std::runtime_error(loc.str().empty() ? message : loc.str() + ": " + message),
        loc_(std::move(loc)),
        message_(message) {}
  explicit InputError(const std::string& message) : InputError(SourceLoc{}, message) {}
  [[nodiscard]] const SourceLoc& loc() const { return loc_; }
  [[nodiscard]] const std::string& message() const { return message_; }

 private:
  SourceLoc loc_;
  std::string message_;
};

// Bad options on the command line (exit 2 as well).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A result file or folder that could not be written (names the path and the system's reason).
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by the solver in math indices; the caller maps `bus` back to a user id.
class NotConverged : public std::runtime_error {
 public:
  NotConverged(int iterations, double max_mismatch_pu, int math_bus, const std::string& what)
      : std::runtime_error(what),
        iterations(iterations),
        max_mismatch_pu(max_mismatch_pu),
        math_bus(math_bus) {}
  int iterations;
  double max_mismatch_pu;
  int math_bus;
};

// A singular Jacobian or B matrix; `math_bus` is the bus whose column was found singular.
class SingularMatrix : public std::runtime_error {
 public:
  SingularMatrix(int math_bus, const std::string& what)
      : std::runtime_error(what), math_bus(math_bus) {}
  int math_bus;
};

}  // namespace lsflow
