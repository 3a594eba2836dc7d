// ledger.cpp: a small bank ledger whose failures are C++ exceptions. Each
// argument is one command (without arguments it runs a built-in script):
//
//   open NAME AMOUNT        deposit NAME AMOUNT      withdraw NAME AMOUNT
//   transfer FROM TO AMOUNT rate CURRENCY            audit
//   batch CMD; CMD; ...     all the commands or none of them
//   relay HOPS AMOUNT       pass a payment through HOPS nested calls
//   freeze NAME             refuse changes to an account from now on
//   quota                   a limit reported by throwing a string
//   panic                   throws an int
//   fatal                   ends the program with an exception nothing catches
//   close                   an exception escapes a noexcept function: std::terminate
//
// Errors are typed (LedgerError and its subclasses, ParseError from the
// standard library's std::invalid_argument, std::out_of_range thrown by
// std::map::at, static Status descriptors thrown by pointer), caught by
// base class, by value, by pointer to a base, by catch (...) and rethrown;
// the Transaction and Hold destructors undo and count what the unwinding
// leaves behind.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

int errors_alive; // LedgerError objects constructed and not yet destroyed

struct LedgerError : std::runtime_error {
  explicit LedgerError(const std::string &what) : std::runtime_error(what) { ++errors_alive; }
  LedgerError(const LedgerError &other) : std::runtime_error(other) { ++errors_alive; }
  ~LedgerError() override { --errors_alive; }
};

// Retryable is the interface of the errors a client can recover from; it
// is a virtual base, so catching it adjusts the object through the vtable.
struct Retryable {
  virtual ~Retryable() = default;
  virtual std::string advice() const = 0;
};

struct UnknownAccount : LedgerError {
  explicit UnknownAccount(const std::string &name) : LedgerError("no account " + name) {}
};

struct DuplicateAccount : LedgerError {
  explicit DuplicateAccount(const std::string &name) : LedgerError("account " + name + " exists") {}
};

struct InsufficientFunds : LedgerError, virtual Retryable {
  InsufficientFunds(std::string name, long need, long have)
      : LedgerError(name + " has " + std::to_string(have) + ", needs " + std::to_string(need)),
        account(std::move(name)), shortfall(need - have) {}
  std::string advice() const override {
    return "deposit " + std::to_string(shortfall) + " into " + account + ": " + what();
  }
  std::string account;
  long shortfall;
};

struct ParseError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Limit is a plain value, caught by value.
struct Limit {
  long max;
};

// Fatal is not a std::exception: only main's own clause knows it.
struct Fatal {
  const char *why;
};

// Status is an older style of error: static descriptors thrown by
// pointer, caught by a pointer to their base.
struct Status {
  const char *text;
};

struct FrozenStatus : Status {};

const FrozenStatus frozen_status{{"account frozen"}};

std::map<std::string, long> balances;
std::set<std::string> frozen;

const std::map<std::string, long> rates = {{"CHF", 112}, {"EUR", 108}, {"USD", 100}};

long &account(const std::string &name) {
  try {
    return balances.at(name);
  } catch (const std::out_of_range &) {
    throw UnknownAccount(name);
  }
}

// Transaction journals the changes made through it and undoes them when it
// is destroyed before commit: when an exception unwinds through it.
class Transaction {
 public:
  Transaction() = default;
  Transaction(const Transaction &) = delete;
  Transaction &operator=(const Transaction &) = delete;
  ~Transaction() {
    if (committed_ || journal_.empty())
      return;
    for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
      if (it->opened)
        balances.erase(it->name);
      else
        balances[it->name] -= it->delta;
    }
    std::printf("  rollback: %zu change(s) undone\n", journal_.size());
  }
  void open(const std::string &name, long initial) {
    if (!balances.emplace(name, initial).second)
      throw DuplicateAccount(name);
    journal_.push_back({name, initial, true});
  }
  void change(const std::string &name, long delta) {
    long &balance = account(name);
    if (frozen.count(name) != 0)
      throw &frozen_status;
    if (-delta > 10000)
      throw Limit{10000};
    if (delta < 0 && balance + delta < 0)
      throw InsufficientFunds(name, -delta, balance);
    balance += delta;
    journal_.push_back({name, delta, false});
  }
  void commit() { committed_ = true; }
  // commit_into hands the changes to an enclosing transaction, which then
  // undoes them too if it fails.
  void commit_into(Transaction &outer) {
    for (Entry &e : journal_)
      outer.journal_.push_back(std::move(e));
    committed_ = true;
  }

 private:
  struct Entry {
    std::string name;
    long delta;
    bool opened;
  };
  std::vector<Entry> journal_;
  bool committed_ = false;
};

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : s) {
    if (c == sep) {
      if (!part.empty())
        parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  if (!part.empty())
    parts.push_back(part);
  return parts;
}

long amount(const std::string &s) {
  if (s.empty() || s.size() > 9)
    throw ParseError("bad amount '" + s + "'");
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      throw ParseError("bad amount '" + s + "'");
    v = v * 10 + (c - '0');
  }
  return v;
}

void expect(const std::vector<std::string> &words, std::size_t n) {
  if (words.size() != n)
    throw ParseError(words[0] + " takes " + std::to_string(n - 1) + " argument(s)");
}

int holds; // Hold objects alive

struct Hold {
  Hold() { ++holds; }
  ~Hold() { --holds; }
};

// relay passes a payment through hops nested calls, each holding a Hold;
// the innermost one finds no route.
long relay(int hop, int hops, long value) {
  Hold hold;
  if (hop == hops)
    throw LedgerError("relay: no route after " + std::to_string(hops) + " hops");
  return relay(hop + 1, hops, value) + 1;
}

// close_books must not fail (noexcept), but its audit account is missing:
// the exception escaping it calls std::terminate, which aborts.
void close_books() noexcept {
  std::printf("  closing the books\n");
  account("auditor") = 0;
}

void run(const std::string &command, Transaction &tx);

void batch(const std::string &steps, Transaction &outer) {
  Transaction tx;
  std::vector<std::string> commands = split(steps, ';');
  std::size_t step = 0;
  try {
    for (; step < commands.size(); step++)
      run(commands[step], tx);
  } catch (const LedgerError &e) {
    std::printf("  batch: step %zu of %zu failed, undoing the batch\n", step + 1, commands.size());
    throw;
  }
  tx.commit_into(outer);
  std::printf("  batch: %zu steps committed\n", commands.size());
}

void run(const std::string &command, Transaction &tx) {
  std::vector<std::string> words = split(command, ' ');
  if (words.empty())
    throw ParseError("empty command");
  const std::string &verb = words[0];
  if (verb == "open") {
    expect(words, 3);
    tx.open(words[1], amount(words[2]));
  } else if (verb == "deposit") {
    expect(words, 3);
    tx.change(words[1], amount(words[2]));
  } else if (verb == "withdraw") {
    expect(words, 3);
    tx.change(words[1], -amount(words[2]));
  } else if (verb == "transfer") {
    expect(words, 4);
    long value = amount(words[3]);
    tx.change(words[1], -value);
    tx.change(words[2], value);
  } else if (verb == "rate") {
    expect(words, 2);
    std::printf("  %s: %ld\n", words[1].c_str(), rates.at(words[1]));
  } else if (verb == "audit") {
    expect(words, 1);
    for (const auto &[name, balance] : balances)
      std::printf("  %s %ld\n", name.c_str(), balance);
  } else if (verb == "batch") {
    batch(command.substr(command.find(verb) + verb.size()), tx);
  } else if (verb == "relay") {
    expect(words, 3);
    int hops = int(amount(words[1]));
    try {
      relay(0, hops, amount(words[2]));
    } catch (...) {
      std::printf("  relay: %d hops unwound, %d holds left\n", hops, holds);
      throw;
    }
  } else if (verb == "freeze") {
    expect(words, 2);
    account(words[1]);
    frozen.insert(words[1]);
  } else if (verb == "quota") {
    throw "daily quota reached";
  } else if (verb == "panic") {
    throw 42;
  } else if (verb == "fatal") {
    throw Fatal{"operator asked to stop"};
  } else if (verb == "close") {
    expect(words, 1);
    close_books();
  } else {
    throw ParseError("unknown command '" + verb + "'");
  }
}

// execute runs one command in its own transaction and reports how it
// failed; it returns whether it succeeded.
bool execute(const std::string &command) {
  std::printf("> %s\n", command.c_str());
  try {
    Transaction tx;
    run(command, tx);
    tx.commit();
    return true;
  } catch (const Retryable &r) {
    std::printf("  declined: %s\n", r.advice().c_str());
  } catch (const LedgerError &e) {
    std::printf("  ledger error: %s\n", e.what());
  } catch (ParseError e) {
    std::printf("  parse error: %s\n", e.what());
  } catch (const std::exception &e) {
    std::printf("  error: %s\n", e.what());
  } catch (Limit limit) {
    std::printf("  over the limit of %ld per change\n", limit.max);
  } catch (const char *why) {
    std::printf("  refused: %s\n", why);
  } catch (const Status *status) {
    std::printf("  status: %s\n", status->text);
  } catch (const Fatal &f) {
    std::printf("  fatal: %s; closing the ledger\n", f.why);
    std::fflush(stdout);
    throw;
  } catch (...) {
    std::printf("  unknown failure\n");
  }
  return false;
}

const char *const script[] = {
    "open alice 100",
    "open bob 50",
    "open alice 5",
    "transfer alice bob 30",
    "transfer alice carol 10",
    "withdraw bob 500",
    "withdraw bob 20000",
    "deposit bob 1x",
    "rate EUR",
    "rate XYZ",
    "batch deposit alice 5; transfer alice bob 70; transfer bob alice 1000",
    "batch open dave 0; transfer bob dave 40; withdraw dave 50",
    "batch open carol 0; transfer bob carol 40",
    "relay 1000 5",
    "quota",
    "panic",
    "freeze carol",
    "transfer bob carol 5",
    "audit",
};

} // namespace

int main(int argc, char **argv) {
  // Line by line, so that what was printed survives an abort.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<std::string> commands;
  if (argc > 1)
    commands.assign(argv + 1, argv + argc);
  else
    commands.assign(std::begin(script), std::end(script));
  int failed = 0;
  for (const std::string &command : commands)
    if (!execute(command))
      failed++;
  std::printf("%zu commands, %d failed; errors alive %d, holds %d\n", commands.size(), failed,
              errors_alive, holds);
  return 0;
}
