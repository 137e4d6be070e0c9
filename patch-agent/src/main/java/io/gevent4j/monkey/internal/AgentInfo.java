package io.gevent4j.monkey.internal;


/**
 * The {@code Main-Class} of gevent4j-agent.jar: {@code java -jar gevent4j-agent.jar} installs the
 * agent (through {@code Launcher-Agent-Class}), runs its self-test and prints what it patched.
 */
public final class AgentInfo {
    private AgentInfo() {
    }

    /**
     * Prints the installed patches and how to use the agent.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.println("gevent4j agent " + AgentInfo.class.getPackage().getImplementationVersion() + " on JDK "
                + Runtime.version() + ": self-test passed, patched " + Installer.patchedNames());
        System.out.println("usage: java -javaagent:gevent4j-agent.jar[=nosleep,nosocket,nohubpoller,noselector,nofile,noprocess,nodns,nothreadscope,nomain,threads,verbose,maxblockingtime=100ms]"
                + " -cp app.jar Main   (or -jar app.jar)");
    }
}
