/**
 * gevent's {@code pywsgi} for the JVM: {@link io.gevent4j.http.GeventHttpServer}, an HTTP/1.1 server on
 * the JDK's {@code com.sun.net.httpserver} whose handlers run as greenlets. For Jetty, Tomcat and other
 * servers that take an executor, plug in {@code Hub.executor()} / {@code HubGroup.executor()} instead
 * (see {@code docs/serving.md}).
 */
package io.gevent4j.http;
