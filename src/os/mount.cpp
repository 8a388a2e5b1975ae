#include "nvrunc/os/mount.hpp"

// Only <linux/mount.h>: glibc 2.36's <sys/mount.h> declares the same names and the two clash; the
// raw syscall numbers also build against a glibc that has no wrappers yet.
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::os {

namespace {

constexpr size_t tmpfs_headroom = 64 * 1024; // the tmpfs is never larger than the file plus this
constexpr unsigned base_attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

int sys_fsopen(const char* fs_name, unsigned flags) {
  return static_cast<int>(::syscall(SYS_fsopen, fs_name, flags));
}
int sys_fsconfig(int fd, unsigned cmd, const char* key, const char* value) {
  return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, 0));
}
int sys_fsmount(int fd, unsigned flags, unsigned attrs) {
  return static_cast<int>(::syscall(SYS_fsmount, fd, flags, attrs));
}
int sys_open_tree(int dfd, const char* path, unsigned flags) {
  return static_cast<int>(::syscall(SYS_open_tree, dfd, path, flags));
}
int sys_move_mount(int from, int to) {
  return static_cast<int>(
      ::syscall(SYS_move_mount, from, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

tl::unexpected<Error> fail_step(const std::string& step, int err) {
  if (err == ENOSYS) return fail(Errc::unsupported, step + ": the kernel has no mount API (Linux 5.2)", err);
  if (err == EPERM) return fail(Errc::io, step + " (needs CAP_SYS_ADMIN)", err);
  return fail(Errc::io, step, err);
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_step("write the file", errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Creates `file` at the root of the detached tmpfs `mnt`.
Result<void> fill_tmpfs(int mnt, const MemoryFile& file) {
  UniqueFd fd(::openat(mnt, file.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail_step("create the file", errno);
  if (auto written = write_all(fd.get(), file.content); !written) return written;
  if (::fchmod(fd.get(), file.mode) != 0) return fail_step("chmod the file", errno);
  return {};
}

// A tmpfs in no namespace at all (fsmount without move_mount), holding `file`, with its superblock
// read-only once the file is written. Returns the mount's descriptor.
Result<UniqueFd> make_private_tmpfs(const MemoryFile& file) {
  UniqueFd fs(sys_fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!fs.valid()) return fail_step("open a tmpfs context (fsopen)", errno);
  const size_t pages = (file.content.size() + 4095) / 4096;
  const std::string size = std::to_string(pages * 4096 + tmpfs_headroom);
  const std::pair<const char*, const char*> params[] = {
      {"source", "nvrunc"}, {"size", size.c_str()}, {"nr_inodes", "4"}, {"mode", "0555"}};
  for (const auto& [key, value] : params)
    if (sys_fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value) != 0)
      return fail_step(std::string("set tmpfs option `") + key + "`", errno);
  if (sys_fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr) != 0) return fail_step("create the tmpfs", errno);
  UniqueFd mnt(sys_fsmount(fs.get(), FSMOUNT_CLOEXEC, base_attrs));
  if (!mnt.valid()) return fail_step("mount the tmpfs (fsmount)", errno);
  if (auto filled = fill_tmpfs(mnt.get(), file); !filled) return fail(std::move(filled.error()));
  if (sys_fsconfig(fs.get(), FSCONFIG_SET_FLAG, "ro", nullptr) != 0 ||
      sys_fsconfig(fs.get(), FSCONFIG_CMD_RECONFIGURE, nullptr, nullptr) != 0)
    return fail_step("make the tmpfs read-only", errno);
  return mnt;
}

// What the namespace helper tells its parent: the failed step (0: none) and its errno.
struct HelperReport {
  int step = 0;
  int err = 0;
};

constexpr const char* helper_steps[] = {"", "unshare the mount namespace", "make `/` private", "open `/`",
                                        "attach the tmpfs in the private namespace", "clone the file (open_tree)"};

void send_report(int sock, HelperReport report, int fd) {
  struct iovec iov = {&report, sizeof report};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  }
  while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

// The forked child: a mount namespace of its own whose "/" is private (so nothing propagates back),
// the tmpfs attached on "/" there (that namespace dies with the child), the file cloned from it.
[[noreturn]] void run_helper(int sock, int mnt, const char* name) {
  HelperReport report;
  int root = -1;
  int tree = -1;
  if (::unshare(CLONE_NEWNS) != 0) report = {1, errno};
  else if (::syscall(SYS_mount, nullptr, "/", nullptr, MS_PRIVATE, nullptr) != 0) report = {2, errno};
  else if ((root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) report = {3, errno};
  else if (sys_move_mount(mnt, root) != 0) report = {4, errno};
  else if ((tree = sys_open_tree(mnt, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0) report = {5, errno};
  send_report(sock, report, tree);
  ::_exit(0);
}

Result<UniqueFd> receive_clone(int sock) {
  HelperReport report;
  struct iovec iov = {&report, sizeof report};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return fail_step("read the namespace helper's answer", errno);
  UniqueFd tree;
  if (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg && cmsg->cmsg_type == SCM_RIGHTS) {
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    tree.reset(fd);
  }
  if (n != static_cast<ssize_t>(sizeof report)) return fail(Errc::io, "the namespace helper died without an answer");
  if (report.step != 0) {
    const int step = std::clamp(report.step, 0, static_cast<int>(std::size(helper_steps)) - 1);
    return fail_step(helper_steps[step], report.err);
  }
  if (!tree.valid()) return fail(Errc::internal, "the namespace helper sent no descriptor");
  return tree;
}

Result<UniqueFd> clone_in_private_namespace(int mnt, const std::string& name) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    return fail_step("create a socket pair", errno);
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  pid_t pid = ::fork();
  if (pid < 0) return fail_step("fork the namespace helper", errno);
  if (pid == 0) run_helper(theirs.get(), mnt, name.c_str());
  theirs.reset();
  auto tree = receive_clone(ours.get());
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return tree;
}

// The bind that will land on the target: a clone of just the file. Linux < 6.15 refuses to clone
// from a detached mount (EINVAL): then a helper with a namespace of its own does it.
Result<UniqueFd> clone_file(int mnt, const std::string& name, CloneVia via) {
  if (via == CloneVia::automatic) {
    UniqueFd tree(sys_open_tree(mnt, name.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (tree.valid()) return tree;
    if (errno != EINVAL) return fail_step("clone the file (open_tree)", errno);
  }
  return clone_in_private_namespace(mnt, name);
}

// ro,nosuid,nodev,noexec on the bind itself (the superblock is already read-only, which is what
// stops writes on kernels before mount_setattr, 5.12).
Result<void> restrict_bind(int tree) {
#if defined(SYS_mount_setattr) && defined(MOUNT_ATTR_SIZE_VER0)
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_RDONLY | base_attrs;
  if (::syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0 && errno != ENOSYS)
    return fail_step("make the bind read-only (mount_setattr)", errno);
#else
  (void)tree;
#endif
  return {};
}

Result<void> check_request(const MemoryFile& file, int target_fd) {
  if (file.name.empty() || file.name == "." || file.name == ".." ||
      file.name.find_first_of(std::string_view("/\0", 2)) != std::string::npos)
    return fail(Errc::invalid_argument, "bad file name");
  if (file.content.size() > max_memory_file_size)
    return fail(Errc::invalid_argument, "content larger than " + std::to_string(max_memory_file_size) + " bytes");
  struct stat st;
  if (::fstat(target_fd, &st) != 0) return fail_step("stat the target", errno);
  if (!S_ISREG(st.st_mode)) return fail(Errc::unsupported, "the target is not a regular file");
  return {};
}

} // namespace

Result<void> mount_memory_file(const MemoryFile& file, int target_fd, CloneVia via) {
  const std::string what = "mount an in-memory `" + file.name + "`";
  auto done = check_request(file, target_fd).and_then([&] { return make_private_tmpfs(file); })
                  .and_then([&](UniqueFd mnt) { return clone_file(mnt.get(), file.name, via); })
                  .and_then([&](UniqueFd tree) -> Result<void> {
                    if (auto restricted = restrict_bind(tree.get()); !restricted) return restricted;
                    if (sys_move_mount(tree.get(), target_fd) != 0)
                      return fail_step("attach it over the target (move_mount)", errno);
                    return {};
                  });
  if (!done) return fail(std::move(done.error()).wrap(what));
  return {};
}

} // namespace nvrunc::os
