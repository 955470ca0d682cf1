// SPDX-License-Identifier: GPL-2.0
/*
 * Static builds only (cross builds, STATIC=1): libtraceevent's plugin loader
 * references the dl* functions, and glibc's static dlopen warns at link time
 * and needs the shared libraries at run time anyway.  kvmrace-trace loads no
 * plugins (it renders events with their own print formats): the link wraps
 * those references (-Wl,--wrap=dlopen,...) to these, which report that
 * nothing can be loaded.
 */
#include <stddef.h>

void *__wrap_dlopen(const char *file, int mode);
void *__wrap_dlsym(void *handle, const char *name);
int __wrap_dlclose(void *handle);
char *__wrap_dlerror(void);

void *__wrap_dlopen(const char *file, int mode)
{
	(void)file;
	(void)mode;
	return NULL;
}

void *__wrap_dlsym(void *handle, const char *name)
{
	(void)handle;
	(void)name;
	return NULL;
}

int __wrap_dlclose(void *handle)
{
	(void)handle;
	return 0;
}

char *__wrap_dlerror(void)
{
	return (char *)"kvmrace-trace: a static build loads no plugins";
}
