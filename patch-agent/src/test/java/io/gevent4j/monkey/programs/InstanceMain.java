package io.gevent4j.monkey.programs;

/**
 * A JEP 512 instance {@code main()} without arguments: the agent wraps it too. Prints
 * {@code mainIsVirtual} and {@code threadName}.
 */
public class InstanceMain {
    /**
     * Runs the program.
     *
     * @throws InterruptedException if interrupted
     */
    void main() throws InterruptedException {
        Thread.sleep(1);
        System.out.println("mainIsVirtual=" + Thread.currentThread().isVirtual());
        System.out.println("threadName=" + Thread.currentThread().getName());
    }
}
