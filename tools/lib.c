// SPDX-License-Identifier: GPL-2.0
/* Tarballs, files, /sys/kernel/ksplice and module loading for the tools. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ksplice.h"

int ks_fail(struct ks_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void ks_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int ks_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

char *ks_read_all(const char *path)
{
	size_t len = 0, alloc = 4096;
	char *buf = malloc(alloc), *p;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, alloc - len - 1)) > 0) {
		len += n;
		if (len + 1 == alloc) {
			p = realloc(buf, alloc *= 2);
			if (!p) {
				n = -1;
				break;
			}
			buf = p;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int ks_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * The lines of /sys/kernel/ksplice/<id>/targets ("target module state"):
 * their count with *out malloc'd, or -1 (and *out NULL) when the file cannot
 * be read.
 */
int ks_read_targets(const char *id, struct ks_target_state **out)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	struct ks_target_state *v = NULL, *p;
	int n = 0;

	*out = NULL;
	ks_update_path(path, sizeof(path), id, "targets");
	text = ks_read_all(path);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		p = realloc(v, (n + 1) * sizeof(*v));
		if (!p) {
			n = -1;
			break;
		}
		v = p;
		v[n].state[0] = '\0';
		if (sscanf(line, "%63s %63s %31s", v[n].name, v[n].module, v[n].state) >= 2)
			n++;
	}
	free(text);
	if (n < 0)
		free(v);
	else
		*out = v;
	return n;
}

/* Is target a deferred target of update id not loaded yet ("pending")? */
int ks_target_pending(const char *id, const char *target)
{
	struct ks_target_state *v;
	int i, n = ks_read_targets(id, &v), pending = 0;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, target) && !strcmp(v[i].state, "pending"))
			pending = 1;
	free(v);
	return pending;
}

int ks_valid_id(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (i >= 8 || !(islower((unsigned char)id[i]) ||
				isdigit((unsigned char)id[i])))
			return 0;
	return i > 0;
}

int ks_update_path(char *buf, size_t size, const char *id, const char *file)
{
	return snprintf(buf, size, "%s/%s%s%s", KS_SYSFS, id, file ? "/" : "",
			file ? file : "") >= (int)size ? -1 : 0;
}

int ks_update_exists(const char *id)
{
	char path[PATH_MAX];
	struct stat st;

	return !ks_update_path(path, sizeof(path), id, NULL) &&
	       !stat(path, &st);
}

int ks_update_read(const char *id, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];

	if (ks_update_path(path, sizeof(path), id, file) ||
	    ks_read_file(path, buf, size))
		return -1;
	ks_chomp(buf);
	return 0;
}

int ks_update_write(const char *id, const char *file, const char *text)
{
	char path[PATH_MAX];

	if (ks_update_path(path, sizeof(path), id, file))
		return -1;
	return ks_write_file(path, text);
}

/* Run argv; 0 when it exits 0. Its stderr goes to ours. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int remove_tree(const char *path)
{
	char *const argv[] = { "rm", "-rf", (char *)path, NULL };

	return run(argv);
}

static int read_member(struct ks_tarball *t, const char *name, char *buf,
		       size_t size, struct ks_err *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	if (ks_read_file(path, buf, size))
		return ks_fail(err, "bad tarball: no %s in ksplice-%s/",
			       name, t->id);
	ks_chomp(buf);
	return 0;
}

static int file_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static int parse_contents(struct ks_tarball *t, char *text,
			  struct ks_err *err)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ks_target *tg = &t->targets[t->nr_targets];
		char name[64], pre[256], new[256];

		if (sscanf(line, "%63s %255s %255s", name, pre, new) != 3 ||
		    strchr(pre, '/') || strchr(new, '/'))
			return ks_fail(err, "bad tarball: bad line in contents: %s",
				       line);
		if (t->nr_targets == KS_MAX_TARGETS)
			return ks_fail(err, "bad tarball: too many targets");
		strcpy(tg->name, name);
		snprintf(tg->pre, sizeof(tg->pre), "%s/%s", t->dir, pre);
		snprintf(tg->new, sizeof(tg->new), "%s/%s", t->dir, new);
		if (!file_exists(tg->pre) || !file_exists(tg->new))
			return ks_fail(err, "bad tarball: %s or %s is missing",
				       pre, new);
		t->nr_targets++;
	}
	if (!t->nr_targets)
		return ks_fail(err, "bad tarball: contents lists no target");
	return 0;
}

/* The one directory ksplice-<id> the tarball unpacked to. */
static int find_dir(struct ks_tarball *t, struct ks_err *err)
{
	DIR *d = opendir(t->tmp);
	struct dirent *e;
	int found = 0;

	if (!d)
		return ks_fail(err, "%s: %s", t->tmp, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (found++ || strncmp(e->d_name, "ksplice-", 8) ||
		    strlen(e->d_name) >= sizeof(t->id) + 8) {
			found = 2;
			break;
		}
		strcpy(t->id, e->d_name + 8);
	}
	closedir(d);
	if (found != 1 || !ks_valid_id(t->id))
		return ks_fail(err, "bad tarball: it must hold one directory ksplice-<id> (id: 1-8 of [a-z0-9])");
	snprintf(t->dir, sizeof(t->dir), "%s/ksplice-%s", t->tmp, t->id);
	return 0;
}

int ks_tarball_open(const char *path, struct ks_tarball *t,
		    struct ks_err *err)
{
	char api[32], *contents, cpath[PATH_MAX];
	char *argv[] = { "tar", "-xzf", (char *)path, "-C", t->tmp, NULL };
	const char *tmpdir = getenv("TMPDIR");
	int ret;

	memset(t, 0, sizeof(*t));
	argv[4] = t->tmp;
	if (!file_exists(path))
		return ks_fail(err, "%s: no such file", path);
	snprintf(t->tmp, sizeof(t->tmp), "%s/ksplice-XXXXXX",
		 tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(t->tmp)) {
		t->tmp[0] = '\0';
		return ks_fail(err, "mkdtemp: %s", strerror(errno));
	}
	if (run(argv))
		return ks_fail(err, "bad tarball: %s cannot be unpacked (tar -xzf failed)",
			       path);
	if (find_dir(t, err) ||
	    read_member(t, "utsname", t->release, sizeof(t->release), err) ||
	    read_member(t, "vermagic", t->vermagic, sizeof(t->vermagic), err) ||
	    read_member(t, "api-version", api, sizeof(api), err))
		return -1;
	if (strcmp(api, KS_API_VERSION))
		return ks_fail(err, "bad tarball: api-version %s, this ksplice-apply reads %s",
			       api, KS_API_VERSION);
	snprintf(cpath, sizeof(cpath), "%s/contents", t->dir);
	contents = ks_read_all(cpath);
	if (!contents)
		return ks_fail(err, "bad tarball: no contents in ksplice-%s/",
			       t->id);
	ret = parse_contents(t, contents, err);
	free(contents);
	return ret;
}

void ks_tarball_close(struct ks_tarball *t)
{
	if (t->tmp[0])
		remove_tree(t->tmp);
	t->tmp[0] = '\0';
}

int ks_check_kernel(const struct ks_tarball *t, struct ks_err *err)
{
	struct utsname u;
	size_t n;

	if (uname(&u))
		return ks_fail(err, "uname: %s", strerror(errno));
	n = strlen(u.release);
	if (strcmp(t->release, u.release))
		return ks_fail(err, "this update is for kernel %s, but the running kernel is %s",
			       t->release, u.release);
	if (strncmp(t->vermagic, u.release, n) || t->vermagic[n] != ' ')
		return ks_fail(err, "this update's modules are for kernel \"%s\" (vermagic), but the running kernel is %s",
			       t->vermagic, u.release);
	if (!strstr(t->vermagic, " SMP ") != !strstr(u.version, "SMP"))
		return ks_fail(err, "vermagic \"%s\" disagrees with the running kernel (%s) about SMP",
			       t->vermagic, u.version);
	if (!strstr(t->vermagic, " preempt ") != !strstr(u.version, "PREEMPT"))
		return ks_fail(err, "vermagic \"%s\" disagrees with the running kernel (%s) about preemption",
			       t->vermagic, u.version);
	return 0;
}

int ks_load_module(const char *path, struct ks_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret, saved;

	if (fd < 0)
		return ks_fail(err, "%s: %s", path, strerror(errno));
	ret = syscall(SYS_finit_module, fd, "", 0);
	saved = errno;
	close(fd);
	if (ret) {
		errno = saved;
		return ks_fail(err, "loading %s failed: %s", path,
			       strerror(saved));
	}
	return 0;
}

int ks_unload_module(const char *name, struct ks_err *err)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return ks_fail(err, "unloading module %s failed: %s", name,
			       strerror(errno));
	return 0;
}
