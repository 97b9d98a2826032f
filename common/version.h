/*
 * version.h - the kit's name and version, in one place: the Server header,
 * `-v`, the error log and /server-status all print it.
 */
#ifndef KIT_VERSION_H
#define KIT_VERSION_H

#define KIT_NAME "mpm-kit"
#define KIT_VERSION "1.0"
#define KIT_SERVER_VERSION KIT_NAME "/" KIT_VERSION

#endif
