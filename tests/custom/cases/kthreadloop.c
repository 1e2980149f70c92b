/* expect: 0 - - */
/*
 * The loop of a kernel thread changes (rfcomm_run of krfcommd): safe as is,
 * with a warning that where the thread runs the update finds it busy.
 */
#include <kcase.h>
extern _Bool kthread_should_stop(void);
extern void wait_for_work(void);
extern int handle_frame(int len);
int frames;
int frame_thread(void *unused)
{
	while (!kthread_should_stop()) {
		wait_for_work();
#ifdef POST
		if (frames < 0)
			continue;
#endif
		frames += handle_frame(frames);
	}
	return 0;
}
