package dev.apqn.agent;

/** A simulated process death at a chosen host write: an Error, so no production catch block swallows it. */
final class Crash extends Error {
    Crash(String where) {
        super("simulated agent crash " + where, null, false, false);
    }
}
