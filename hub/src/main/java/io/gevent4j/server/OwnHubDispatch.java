package io.gevent4j.server;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.core.GreenletExit;
import io.gevent4j.pool.Spawner;

import java.util.List;

/** Handlers run on the server's own hub, spawned by its {@link Spawner} (a {@code Pool} bounds them). */
record OwnHubDispatch(BaseServer<?> server, Spawner spawner) implements Dispatch {

    @Override
    public void dispatch(BaseServer.Job job) throws InterruptedException {
        Greenlet<?> g;
        try {
            g = spawner.spawn(() -> server.runJob(job));
        } catch (GreenletExit | InterruptedException e) {
            server.forget(job);
            job.release();
            throw e;
        } catch (RuntimeException | Error e) {
            server.forget(job);
            job.release();
            server.hub().reportError(server + ": spawning the handler for " + job.describe(), e);
            return;
        }
        if (server.tracked(job)) {
            job.greenlet = g;
            g.name(job.greenletName());
        }
    }

    @Override
    public void ended(BaseServer.Job job) {
        server.forget(job);
    }

    @Override
    public void awaitKilled(List<BaseServer.Job> killed, List<Greenlet<?>> victims) throws InterruptedException {
        List<Greenlet<?>> dead = Gevent.joinAll(victims, BaseServer.KILL_WAIT);
        for (BaseServer.Job job : killed) {
            if (job.greenlet == null || job.greenlet.dead()) {
                server.forget(job);
            }
        }
        if (dead.size() < victims.size()) {
            server.reportSurvivors(victims.size() - dead.size(), "");
        }
    }
}
