/* jni_shim.c - the only file that includes jni.h: thin wrappers for org.pysym.nativeio.NativeLib.
 * Arguments were validated in Java; nothing here calls back into the JVM beyond creating results. */
#include <jni.h>
#include <omp.h>
#include <string.h>
#include "pysym.h"

extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);

#define FN(name) Java_org_pysym_nativeio_NativeLib_##name

JNIEXPORT jlong JNICALL FN(alloc)(JNIEnv *env, jclass cls, jlong bytes) {
    return (jlong)(intptr_t)pysym_alloc(bytes);
}

JNIEXPORT void JNICALL FN(free)(JNIEnv *env, jclass cls, jlong address) {
    pysym_free((void *)(intptr_t)address);
}

JNIEXPORT jobject JNICALL FN(wrap)(JNIEnv *env, jclass cls, jlong address, jlong bytes) {
    return (*env)->NewDirectByteBuffer(env, (void *)(intptr_t)address, bytes);
}

JNIEXPORT void JNICALL FN(copy)(JNIEnv *env, jclass cls, jlong dst, jlong src, jlong bytes) {
    memmove((void *)(intptr_t)dst, (const void *)(intptr_t)src, (size_t)bytes);
}

JNIEXPORT jobjectArray JNICALL FN(kernelNames)(JNIEnv *env, jclass cls) {
    int n = pysym_kernel_count();
    jclass str = (*env)->FindClass(env, "java/lang/String");
    if (str == NULL) return NULL;
    jobjectArray names = (*env)->NewObjectArray(env, n, str, NULL);
    if (names == NULL) return NULL;
    for (int i = 0; i < n; i++) {
        jstring s = (*env)->NewStringUTF(env, pysym_kernel_at(i)->name);
        if (s == NULL) return NULL;
        (*env)->SetObjectArrayElement(env, names, i, s);
        (*env)->DeleteLocalRef(env, s);
    }
    return names;
}

JNIEXPORT jint JNICALL FN(checkPlan)(JNIEnv *env, jclass cls, jlong plan, jlong bytes) {
    return pysym_plan_check((const pysym_plan *)(intptr_t)plan, bytes);
}

JNIEXPORT jint JNICALL FN(runPlan)(JNIEnv *env, jclass cls, jlong plan, jlong begin, jlong end, jboolean is_train) {
    return pysym_plan_run((pysym_plan *)(intptr_t)plan, begin, end, is_train ? 1 : 0);
}

JNIEXPORT void JNICALL FN(releasePlanState)(JNIEnv *env, jclass cls, jlong plan) {
    pysym_plan_release_state((pysym_plan *)(intptr_t)plan);
}

JNIEXPORT jstring JNICALL FN(lastError)(JNIEnv *env, jclass cls) {
    return (*env)->NewStringUTF(env, pysym_last_error());
}

JNIEXPORT void JNICALL FN(setProfiling)(JNIEnv *env, jclass cls, jboolean on) {
    pysym_profile_enable(on ? 1 : 0);
}

JNIEXPORT jstring JNICALL FN(profileReport)(JNIEnv *env, jclass cls) {
    static char buf[65536];
    buf[0] = 0;
    pysym_profile_report(buf, sizeof buf);
    return (*env)->NewStringUTF(env, buf);
}

JNIEXPORT jint JNICALL FN(setThreads)(JNIEnv *env, jclass cls, jint n) {
    int threads = n > 0 ? n : omp_get_num_procs();
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    return threads;
}
