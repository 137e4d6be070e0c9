package io.gevent4j.server;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;

import java.util.List;

/**
 * Handlers run on the hubs of a {@link HubGroup}, round-robin; the server's hub keeps the bookkeeping.
 * A handler's end comes back to the server's hub as a {@link #forgetOnServerHub} callback.
 */
record HubGroupDispatch(BaseServer<?> server, HubGroup group) implements Dispatch {

    /**
     * Spawns the handler on the next hub of the group. However that greenlet ends (it returns, it is
     * killed by a stop, or its hub closes before it ran) its future completes, which releases the job
     * (again, harmlessly, if the handler ran) and tells the server's hub to forget it. A closed group
     * takes nothing: the job is released here, and the server stops.
     */
    @Override
    public void dispatch(BaseServer.Job job) {
        Greenlet<?> g;
        try {
            g = group.spawn(() -> {
                Greenlet.current().name(job.greenletName()); // on its own hub, where its name is kept
                return server.runJob(job);
            });
        } catch (IllegalStateException refused) {
            server.forget(job);
            job.release();
            if (!group.isClosed()) {
                // one member hub refused (its loop ended by an error): this job is lost, the others go on
                server.hub().reportError(server + ": handing " + job.describe() + " over; it is dropped", refused);
                return;
            }
            if (server.stopInBackground()) {
                server.hub().reportError(server + ": handing " + job.describe() + " over", new IllegalStateException(
                        "the hub group " + group + " that runs the handlers is closed; the server stops now", refused));
            }
            return;
        }
        job.greenlet = g;
        // runJob reports every handler failure itself, so this greenlet only returns or is killed; a kill
        // completes the future with a CancellationException, an expected end here, not an error to report.
        g.toCompletableFuture().whenComplete((value, killed) -> forgetOnServerHub(job));
    }

    @Override
    public void ended(BaseServer.Job job) {
        // the server's hub forgets it, told by the greenlet's future (see dispatch)
    }

    private void forgetOnServerHub(BaseServer.Job job) {
        job.release();
        Hub home = server.hub();
        home.callSoonThreadsafe(() -> server.forget(job));
    }

    /** The killed handlers run on other hubs; each one's end comes back as a forget: wait for those. */
    @Override
    public void awaitKilled(List<BaseServer.Job> killed, List<Greenlet<?>> victims) throws InterruptedException {
        server.awaitOthersEnded(BaseServer.KILL_WAIT);
        int left = server.othersRunning();
        if (left > 0) {
            server.reportSurvivors(left, " on " + group);
        }
    }
}
